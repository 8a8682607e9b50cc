using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SingleDarts.Search.IO;

namespace SingleDarts.Search.Data;

/// <summary>
/// Decoded datasets kept as compact uint8 files so that a second run does not decode again. The
/// file name is a hash of the source's fingerprint (path, sizes and modification times of every
/// file) and the decoding settings, so a changed source gets a new entry. Files are written
/// atomically and verified with SHA-256 on load; a damaged entry is decoded again.
/// </summary>
public sealed class DatasetCache(string directory)
{
    private const int Version = 2;
    private static readonly byte[] Magic = "SDDATA\u0002\n"u8.ToArray();

    /// <summary>The environment variable naming the cache folder.</summary>
    public const string EnvironmentVariable = "SINGLEDARTS_CACHE";

    public string Directory { get; } = directory;

    /// <summary>$SINGLEDARTS_CACHE, else $XDG_CACHE_HOME/singledarts, else ~/.cache/singledarts.</summary>
    /// <exception cref="DataException">$SINGLEDARTS_CACHE names a file.</exception>
    public static string DefaultDirectory =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env
            ? File.Exists(env) ? throw new DataException($"{EnvironmentVariable}={env} is a file; the dataset cache is a folder: point {EnvironmentVariable} at one, or unset it") : env
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "singledarts");

    private sealed record Header(int Version, string Source, string Format, string[] Classes, int Height, int Width,
        int TrainCount, int TestCount, string Sha256);

    public string PathFor(string source, string settings) =>
        Path.Combine(Directory, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{Version}|{Fingerprint(source)}|{settings}")))[..32] + ".sdds");

    public (string Format, ImageSet Train, ImageSet? Test)? TryRead(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var (header, payload) = HeaderedFile.Read<Header>(path, Magic, h => h.Sha256, JsonSerializerOptions.Default, "dataset cache");
            if (header.Version != Version) return null;
            var offset = 0;
            var train = ReadSet(payload.Span, ref offset, header.TrainCount, header);
            var test = header.TestCount > 0 ? ReadSet(payload.Span, ref offset, header.TestCount, header) : null;
            return (header.Format, train, test);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException)
        {
            return null; // unreadable or damaged entry: decode again
        }
    }

    public void Write(string path, string source, string format, ImageSet train, ImageSet? test)
    {
        var payload = new MemoryStream();
        WriteSet(payload, train);
        if (test is not null) WriteSet(payload, test);
        HeaderedFile.Write(path, Magic, sha => new Header(Version, source, format, [.. train.ClassNames], train.Height, train.Width,
            train.Count, test?.Count ?? 0, sha), payload, JsonSerializerOptions.Default);
    }

    private static void WriteSet(Stream s, ImageSet set)
    {
        foreach (var l in set.Labels) s.Write(BitConverter.GetBytes(l));
        s.Write(set.Pixels);
    }

    private static ImageSet ReadSet(ReadOnlySpan<byte> payload, ref int offset, int count, Header h)
    {
        var labels = new int[count];
        for (var i = 0; i < count; i++, offset += 4) labels[i] = BitConverter.ToInt32(payload.Slice(offset, 4));
        var n = count * 3 * h.Height * h.Width;
        var pixels = payload.Slice(offset, n).ToArray();
        offset += n;
        return new ImageSet(pixels, labels, h.Height, h.Width, h.Classes);
    }

    /// <summary>Path, size and modification time of the source, or of every file under a source folder.</summary>
    private static string Fingerprint(string source)
    {
        var full = Path.GetFullPath(source);
        if (File.Exists(full))
        {
            var info = new FileInfo(full);
            return $"{full}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
        }
        var sb = new StringBuilder(full);
        foreach (var file in System.IO.Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            sb.Append('|').Append(Path.GetRelativePath(full, file)).Append(':').Append(info.Length).Append(':').Append(info.LastWriteTimeUtc.Ticks);
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
