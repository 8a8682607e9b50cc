using System.Globalization;

namespace SingleDarts.Search.IO;

/// <summary>
/// What reading a file a user gives may cost at most, in one place (docs/troubleshooting.md, "Input limits"):
/// a file beyond one is refused at once, with one line naming the limit, instead of growing without bound
/// (a YAML alias bomb of a few hundred bytes expands to billions of nodes; a gzip bomb to terabytes).
/// Each is far above what a real input needs; the comment says how far.
/// </summary>
public static class InputLimits
{
    /// <summary>A sweep spec file, YAML or JSON (the examples are under 2 KB).</summary>
    public const long SpecBytes = 1L << 20;

    /// <summary>Nodes of a spec after its aliases are expanded (mappings, lists and values; the examples have under 100).</summary>
    public const int SpecNodes = 100_000;

    /// <summary>Aliases (<c>*name</c>) in a spec.</summary>
    public const int SpecAliases = 1_000;

    /// <summary>How deep mappings and lists may nest in a spec or an export (a spec nests 4 deep, an export 6).</summary>
    public const int NestingDepth = 64;

    /// <summary>A sweep export read by <c>report</c> (100 seeds × 50 epochs with every metric is ~10 MB).</summary>
    public const long ExportBytes = 256L << 20;

    /// <summary>A NAS-Bench-201 table given with --nb201 (the real one is 1.8 MB).</summary>
    public const long Nb201TableBytes = 64L << 20;

    /// <summary>Entries of a dataset archive or folder (CIFAR-10 as JPEG files has 60,013).</summary>
    public const int ArchiveEntries = 1_000_000;

    /// <summary>One file inside a dataset archive (CIFAR-100's largest, <c>train</c>, is 155 MB).</summary>
    public const long ArchiveEntryBytes = 512L << 20;

    /// <summary>All the files read out of one dataset archive together (CIFAR-10 and CIFAR-100 are ~180 MB each).</summary>
    public const long ArchiveTotalBytes = 4L << 30;

    /// <summary>
    /// Opcodes of one pickled file (ImageNet16's batches: one per label and a few hundred more, ~130,000). Each opcode
    /// builds at most one object, so this bounds what unpickling a file of tiny opcodes (an empty list per byte) builds.
    /// </summary>
    public const int PickleOpcodes = 4_000_000;

    /// <summary>Digits of a number in a pickle, written as text or as LONG1/LONG4 bytes (parsing a long one costs quadratic time; labels have 4).</summary>
    public const int PickleNumberDigits = 64;

    /// <summary>Where the limits are described, for the messages.</summary>
    public const string Doc = "docs/troubleshooting.md, \"Input limits\"";

    /// <summary>
    /// A piece of user input echoed in a message, quoted: whole when short, else its start and its length
    /// ('|nor_conv_3x3~0|+|…' (70,000 characters)), so the reason stays readable.
    /// </summary>
    public static string Quote(string text, int max = 60) => text.Length <= max
        ? $"'{text}'"
        : string.Create(CultureInfo.InvariantCulture, $"'{text[..(max - 20)]}…' ({text.Length:N0} characters)");

    /// <summary>"1 MiB", "256 MiB", "4 GiB", "123 bytes".</summary>
    public static string Bytes(long n) => n switch
    {
        >= 1L << 30 => Format(n / (double)(1L << 30)) + " GiB",
        >= 1L << 20 => Format(n / (double)(1L << 20)) + " MiB",
        >= 1L << 10 => Format(n / (double)(1L << 10)) + " KiB",
        _ => $"{n} bytes",
    };

    private static string Format(double x) => x.ToString(x >= 100 || x == Math.Floor(x) ? "0" : "0.#", CultureInfo.InvariantCulture);

    /// <summary>
    /// Null when the file at <paramref name="path"/> is within <paramref name="limit"/> bytes; else the one-line
    /// reason, naming <paramref name="what"/> ("a spec file") and the limit.
    /// </summary>
    public static string? TooLarge(string path, long limit, string what)
    {
        var length = new FileInfo(path).Length;
        return length <= limit ? null : $"{path}: {Bytes(length)} is more than {what} may have ({Bytes(limit)}; see {Doc})";
    }

    /// <summary>The one-line reason for a count beyond its limit: "a spec has more than 1,000 aliases (the limit; see …)".</summary>
    public static string Beyond(string source, string what, long limit) =>
        $"{source}: more than {limit.ToString("N0", CultureInfo.InvariantCulture)} {what} (the limit; see {Doc})";
}
