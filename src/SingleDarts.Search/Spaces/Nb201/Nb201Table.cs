using System.Globalization;
using System.IO.Compression;
using CsvHelper;
using SingleDarts.Search.Data;
using SingleDarts.Search.IO;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>One cell of NAS-Bench-201 with its true test accuracies (percent).</summary>
public sealed record Nb201Row(int Index, Genotype Genotype, double Cifar10, double Cifar100, double ImageNet16)
{
    public double Accuracy(string dataset) => dataset switch
    {
        Nb201Table.Cifar10 => Cifar10,
        Nb201Table.Cifar100 => Cifar100,
        Nb201Table.ImageNet16 => ImageNet16,
        _ => throw new ArgumentException($"unknown NAS-Bench-201 dataset '{dataset}'"),
    };
}

/// <summary>
/// The ground-truth table of all 15,625 NAS-Bench-201 cells: a CSV with the columns
/// <c>index,arch,cifar10_test,cifar100_test,imagenet16_120_test</c> (NATS-Bench tss; see the README's *NAS-Bench-201 ground truth*):
/// the <see cref="Builtin"/> one, or one the user gives, validated the same way.
/// </summary>
public sealed class Nb201Table
{
    public const string Cifar10 = "cifar10", Cifar100 = "cifar100", ImageNet16 = "imagenet16-120";
    public const int CellCount = 15_625;
    public static readonly IReadOnlyList<string> Datasets = [Cifar10, Cifar100, ImageNet16];
    private static readonly string[] Header = ["index", "arch", "cifar10_test", "cifar100_test", "imagenet16_120_test"];

    private readonly Dictionary<Genotype, Nb201Row> byArch;
    private readonly Dictionary<string, double[]> sortedDescending;

    private Nb201Table(List<Nb201Row> rows)
    {
        Rows = rows;
        byArch = rows.ToDictionary(r => r.Genotype);
        sortedDescending = Datasets.ToDictionary(d => d, d => rows.Select(r => r.Accuracy(d)).OrderDescending().ToArray());
    }

    public IReadOnlyList<Nb201Row> Rows { get; }

    public Nb201Row? Find(Genotype genotype) => byArch.GetValueOrDefault(genotype);

    /// <summary>1 + the number of cells strictly better on <paramref name="dataset"/>.</summary>
    public int Rank(Nb201Row row, string dataset)
    {
        var sorted = sortedDescending[dataset];
        var value = row.Accuracy(dataset);
        int lo = 0, hi = sorted.Length; // first position whose accuracy is not above value
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (sorted[mid] > value) lo = mid + 1;
            else hi = mid;
        }
        return lo + 1;
    }

    public Nb201Row Best(string dataset) => Rows.MaxBy(r => r.Accuracy(dataset))!;

    /// <summary>The table that ships inside this assembly (NATS-Bench tss, 200 epochs; see the README), read once per process.</summary>
    public static Nb201Table Builtin => builtin.Value;

    private static readonly Lazy<Nb201Table> builtin = new(() =>
    {
        using var stream = OpenBuiltin();
        return Load(stream, "the built-in NAS-Bench-201 table");
    });

    /// <summary>The built-in table's CSV text, decompressed.</summary>
    internal static Stream OpenBuiltin() =>
        new GZipStream(typeof(Nb201Table).Assembly.GetManifestResourceStream(BuiltinResource)
            ?? throw new InvalidOperationException($"{BuiltinResource} is not embedded in {typeof(Nb201Table).Assembly.GetName().Name}"),
            CompressionMode.Decompress);

    private const string BuiltinResource = "SingleDarts.Search.Spaces.Nb201.nb201-test-accuracy.csv.gz";

    /// <summary>
    /// Reads and validates a table: the header, 15,625 rows of distinct canonical arch strings,
    /// numeric accuracies in [0, 100]. Every problem found (up to 10) is reported, each naming the line.
    /// </summary>
    public static Nb201Table Load(string path)
    {
        if (Directory.Exists(path)) throw new DataException($"{path} is a folder; name the NAS-Bench-201 table's CSV file");
        if (!File.Exists(path)) throw new DataException($"{path}: no such NAS-Bench-201 table");
        if (InputLimits.TooLarge(path, InputLimits.Nb201TableBytes, "a NAS-Bench-201 table") is { } tooLarge) throw new DataException(tooLarge);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Load(file, path);
    }

    /// <param name="source">the file or resource, for messages.</param>
    public static Nb201Table Load(Stream stream, string source)
    {
        var problems = new List<string>();
        var rows = new List<Nb201Row>();
        var seen = new Dictionary<Genotype, long>();
        try
        {
            using var csv = CsvReader.Create(stream, new CsvReaderOptions { Separator = ',', HasHeader = false, TrackLineNumbers = true }, leaveOpen: true);
            if (!csv.Read() || !Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetString(i).Trim()).SequenceEqual(Header))
                throw new DataException($"{source}: line 1: expected the header {string.Join(',', Header)}");
            while (csv.Read() && problems.Count < 10)
            {
                var line = csv.LineNumber;
                if (csv.FieldCount != Header.Length)
                {
                    problems.Add($"{source}: line {line}: {csv.FieldCount} fields, expected {Header.Length}");
                    continue;
                }
                if (!int.TryParse(csv.GetString(0), NumberStyles.Integer, CultureInfo.InvariantCulture, out var index))
                {
                    problems.Add($"{source}: line {line}: index {InputLimits.Quote(csv.GetString(0))} is not an integer");
                    continue;
                }
                var arch = csv.GetString(1);
                if (!Genotype.TryParse(arch, out var genotype, out var error) || genotype!.ToString() != arch)
                {
                    problems.Add($"{source}: line {line}: {error ?? $"{InputLimits.Quote(arch)} is not a canonical arch string"}");
                    continue;
                }
                var acc = new double[3];
                var ok = true;
                for (var c = 0; c < 3 && ok; c++)
                {
                    var text = csv.GetString(2 + c);
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out acc[c]) || !(acc[c] >= 0 && acc[c] <= 100))
                    {
                        problems.Add($"{source}: line {line}: {Header[2 + c]} {InputLimits.Quote(text)} is not an accuracy in [0, 100]");
                        ok = false;
                    }
                }
                if (!ok) continue;
                if (seen.TryGetValue(genotype, out var firstLine))
                {
                    problems.Add($"{source}: line {line}: arch {arch} repeats line {firstLine}");
                    continue;
                }
                seen[genotype] = line;
                rows.Add(new Nb201Row(index, genotype, acc[0], acc[1], acc[2]));
            }
        }
        catch (CsvFormatException ex)
        {
            throw new DataException($"{source}: not a readable CSV ({ex.Message})");
        }
        catch (InvalidDataException ex)
        {
            throw new DataException($"{source}: not readable ({ex.Message})");
        }
        if (problems.Count == 0 && rows.Count != CellCount)
            problems.Add($"{source}: {rows.Count} cells, NAS-Bench-201 has {CellCount:N0}");
        if (problems.Count > 0) throw new DataException(string.Join(Environment.NewLine, problems));
        return new Nb201Table(rows);
    }
}
