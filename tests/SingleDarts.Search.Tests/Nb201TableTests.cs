using SingleDarts.Search.Data;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces.Nb201;
using System.Text.Json.Nodes;

namespace SingleDarts.Search.Tests;

[Trait("Category", "unit")]
public class Nb201TableTests
{
    private static readonly string SharedTable = Path.GetFullPath(Path.Combine(FindRepoRoot(), "..", "shared", "data", "nb201", "nb201-test-accuracy.csv"));

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SingleDarts.sln"))) dir = dir.Parent;
        return dir?.FullName ?? AppContext.BaseDirectory;
    }

    [Fact]
    public void Lookup_and_ranks_on_a_generated_table()
    {
        var table = Nb201Table.Load(Fixtures.Nb201Table());
        Assert.Equal(15_625, table.Rows.Count);
        var allConv3 = Genotype.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|");
        var best = table.Best(Nb201Table.Cifar10);
        Assert.Equal(allConv3, best.Genotype);
        var row = table.Find(allConv3)!;
        Assert.Equal(1, table.Rank(row, Nb201Table.Cifar10));
        Assert.Equal(92 - 0.03, row.Cifar10, 4);
        Assert.Equal(row.Cifar10 - 20, row.Cifar100, 4);

        // ties share a rank: 1 + the number of strictly better cells
        var none = table.Find(new Genotype([0, 0, 0, 0, 0, 0]))!;
        var skip = table.Find(new Genotype([1, 0, 0, 0, 0, 0]))!;
        var better = table.Rows.Count(r => r.Cifar10 > none.Cifar10);
        Assert.Equal(better + 1, table.Rank(none, Nb201Table.Cifar10));
        Assert.True(table.Rank(skip, Nb201Table.Cifar10) > table.Rank(none, Nb201Table.Cifar10));
    }

    public static TheoryData<string, Action<List<string>>, string> BrokenTables => new()
    {
        { "header", l => l[0] = "index,arch,c10,c100,in16", "expected the header" },
        { "fields", l => l[5] = "4,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,1", "3 fields, expected 5" },
        { "number", l => l[7] = l[7][..l[7].LastIndexOf(',')] + ",abc", "imagenet16_120_test 'abc'" },
        { "range", l => l[9] = l[9][..l[9].LastIndexOf(',')] + ",140.5", "'140.5' is not an accuracy" },
        { "arch", l => l[11] = l[11].Replace("none", "conv_7x7"), "unknown operation 'conv_7x7'" },
        { "duplicate", l => l[13] = l[12], "repeats line 13" },
        { "missing rows", l => l.RemoveAt(l.Count - 1), "15624 cells, NAS-Bench-201 has 15,625" },
    };

    [Theory]
    [MemberData(nameof(BrokenTables))]
    public void Broken_tables_are_refused_naming_the_line(string _, Action<List<string>> edit, string expected)
    {
        var ex = Assert.Throws<DataException>(() => Nb201Table.Load(Fixtures.Nb201Table(edit: edit)));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Epochs_and_result_carry_the_table_value_of_their_cell()
    {
        var path = Fixtures.Nb201Table();
        var table = Nb201Table.Load(path);
        var dir = Tiny.TempDir();
        var result = SearchRunner.Run(Tiny.Options(epochs: 2) with { Nb201 = path }, dir);
        var expected = Expected(table, result.Arch, Nb201Table.Cifar10);
        Assert.Equal(expected, Nb201Of(result.Metrics));
        foreach (var line in File.ReadAllLines(Path.Combine(dir, "epochs.jsonl")))
        {
            var e = JsonNode.Parse(line)!;
            var row = table.Find(Genotype.Parse((string)e["arch"]!))!;
            Assert.Equal(row.Cifar10, (double)e["metrics"]![Nb201Benchmark.TestAcc]!, 6);
            Assert.Equal(table.Rank(row, Nb201Table.Cifar10), (int)e["metrics"]![Nb201Benchmark.Rank]!);
            // the other datasets' accuracies are there as transfer figures; the searched one is not repeated
            Assert.Equal(row.Cifar100, (double)e["metrics"]!["nb201.cifar100"]!, 6);
            Assert.Equal(row.ImageNet16, (double)e["metrics"]!["nb201.imagenet16_120"]!, 6);
            Assert.Null(e["metrics"]!["nb201.cifar10"]);
        }
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "result.json")))!;
        Assert.Equal(expected[Nb201Benchmark.TestAcc], (double)saved["metrics"]![Nb201Benchmark.TestAcc]!, 6);
    }

    [SkippableFact]
    public void The_builtin_table_is_the_shared_csv()
    {
        Skip.IfNot(File.Exists(SharedTable), $"{SharedTable} is absent");
        using var builtin = Nb201Table.OpenBuiltin();
        using var copy = new MemoryStream();
        builtin.CopyTo(copy);
        Assert.Equal(File.ReadAllBytes(SharedTable), copy.ToArray());
    }

    [Fact]
    public void The_builtin_table_has_the_known_points()
    {
        var table = Nb201Table.Builtin;
        Assert.Equal(15_625, table.Rows.Count);
        Assert.Equal((6111, 94.3733), (table.Best(Nb201Table.Cifar10).Index, table.Best(Nb201Table.Cifar10).Cifar10));
        Assert.Equal((9930, 73.5133), (table.Best(Nb201Table.Cifar100).Index, table.Best(Nb201Table.Cifar100).Cifar100));
        Assert.Equal((857, 47.3111), (table.Best(Nb201Table.ImageNet16).Index, table.Best(Nb201Table.ImageNet16).ImageNet16));
        var allSkip = table.Find(Genotype.Parse("|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"))!;
        Assert.Equal(1835, allSkip.Index);
        Assert.Equal(54.2967, allSkip.Cifar10);
        Assert.Equal(1, table.Rank(table.Best(Nb201Table.Cifar10), Nb201Table.Cifar10));
        Assert.Same(table, Nb201Source.Open(Nb201Source.Builtin));
    }

    /// <summary>What the benchmark must report of a cell, computed from the table's rows directly.</summary>
    private static Dictionary<string, double> Expected(Nb201Table table, string arch, string dataset)
    {
        var row = table.Find(Genotype.Parse(arch))!;
        var expected = new Dictionary<string, double> { [Nb201Benchmark.TestAcc] = row.Accuracy(dataset), [Nb201Benchmark.Rank] = table.Rank(row, dataset) };
        foreach (var other in Nb201Table.Datasets.Where(d => d != dataset)) expected[Nb201Benchmark.TransferKey(other)] = row.Accuracy(other);
        return expected;
    }

    private static Dictionary<string, double> Nb201Of(IDictionary<string, double> metrics) =>
        metrics.Where(kv => kv.Key.StartsWith("nb201.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary>A one-epoch search of the nb201 space on <paramref name="data"/>.</summary>
    private static SearchResult Search(string data, string? nb201) =>
        SearchRunner.Run(Tiny.Options(epochs: 1) with { Data = data, TrainSize = null, Nb201 = nb201, CacheDir = Tiny.TempDir() }, Tiny.TempDir());

    [Fact]
    public void An_nb201_search_on_cifar_uses_the_builtin_table_unless_told_otherwise()
    {
        var cifar10 = Fixtures.Cifar10Folder(perBatch: 8, test: 4);
        var result = Search(cifar10, null);
        Assert.Equal(Expected(Nb201Table.Builtin, result.Arch, Nb201Table.Cifar10), Nb201Of(result.Metrics));

        result = Search(Fixtures.Cifar100Folder(train: 40, test: 4), null);
        Assert.Equal(Expected(Nb201Table.Builtin, result.Arch, Nb201Table.Cifar100), Nb201Of(result.Metrics));

        Assert.Empty(Nb201Of(Search(cifar10, Nb201Source.None).Metrics));
        Assert.Empty(Nb201Of(Search(DataFormats.Synthetic, null).Metrics));   // not a dataset the table knows
        result = Search(DataFormats.Synthetic, Nb201Source.Builtin);
        Assert.Equal(Expected(Nb201Table.Builtin, result.Arch, Nb201Table.Cifar10), Nb201Of(result.Metrics));
    }

    [Fact]
    public void Nb201_values_are_checked_against_the_space()
    {
        var darts = SearchOptions.For("darts");
        Assert.Empty((darts with { Nb201 = Nb201Source.None }).Validate());
        Assert.Empty(darts.Validate());
        Assert.Contains((darts with { Nb201 = Nb201Source.Builtin }).Validate(), p => p.StartsWith("--nb201 is NAS-Bench-201's table", StringComparison.Ordinal));
        Assert.Empty((new SearchOptions() with { Nb201 = Nb201Source.Builtin }).Validate());
        Assert.Contains((new SearchOptions() with { Nb201 = "/no/such/table.csv" }).Validate(), p => p == "--nb201: no such file: /no/such/table.csv (or: builtin, none)");
    }
}
