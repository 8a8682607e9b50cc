using System.Text.Json.Nodes;
using SingleDarts.Hosting;
using SingleDarts.Reports;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// An export written before the per-epoch numbers were declared data (each number a property of its own, no space or metric
/// declarations; the study of docs/results/nb201-cpu-scale.md ran on such a build) still gets the whole report.
/// </summary>
[Trait("Category", "unit")]
public sealed class OlderExportTests
{
    private const string Good = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
    private const string AllSkip = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|";

    private static JsonObject Epoch(int epoch, string arch, double? recordedAcc = null)
    {
        var cell = Genotype.Parse(arch);
        var row = Nb201Table.Builtin.Find(cell)!;
        return new JsonObject
        {
            ["epoch"] = epoch, ["train_loss"] = 1.0, ["train_acc"] = 0.5, ["valid_acc"] = 0.5, ["lr"] = 0.01, ["arch"] = arch,
            ["param_free_share"] = cell.ParameterFreeEdges / 6.0, ["param_free_edges"] = cell.ParameterFreeEdges, ["skip_connects"] = cell.SkipConnects,
            ["nb201_acc"] = recordedAcc ?? row.Accuracy(Nb201Table.Cifar10), ["nb201_rank"] = Nb201Table.Builtin.Rank(row, Nb201Table.Cifar10),
            ["alpha_entropy"] = 1.6, ["seconds"] = 1.0, ["alphas"] = new JsonArray(), ["op_weights"] = new JsonArray(), ["op_shares"] = new JsonArray(),
        };
    }

    private static JsonObject Seed(string method, int seed, string[] archs, double? recordedAcc)
    {
        var history = new JsonArray([.. archs.Select((a, i) => (JsonNode)Epoch(i + 1, a, recordedAcc))]);
        var status = new JsonObject
        {
            ["sweep_id"] = "old", ["method"] = method, ["seed"] = seed, ["state"] = "completed", ["epochs_done"] = archs.Length, ["epochs"] = archs.Length,
            ["last"] = history[^1]!.DeepClone(), ["space"] = "nb201", ["stage"] = "search", ["seconds"] = 3.0,
        };
        return new JsonObject { ["status"] = status, ["history"] = history, ["space"] = "nb201", ["ops"] = new JsonArray(), ["edges"] = new JsonArray() };
    }

    /// <summary>The shape `sweep export --format json` had at commit acd674f, reduced to what the report reads.</summary>
    private static string Export(double? recordedAcc = null)
    {
        JsonObject[] seeds = [Seed("single", 0, [AllSkip, Good, Good], recordedAcc), Seed("darts-v1", 0, [Good, AllSkip, AllSkip], recordedAcc)];
        var sweep = new JsonObject
        {
            ["id"] = "old", ["state"] = "completed", ["created_at"] = "2026-12-06T02:23:03+00:00",
            ["spec"] = new JsonObject
            {
                ["name"] = "old", ["methods"] = new JsonArray("single", "darts-v1"), ["seeds"] = new JsonArray(0),
                ["search_json"] = """{"data":"cifar10","nb201":"builtin","epochs":3}""", ["collapse_threshold"] = 4, ["collapse_rule"] = "",
            },
            ["seeds"] = new JsonArray([.. seeds.Select(s => s["status"]!.DeepClone())]),
            ["methods"] = new JsonArray([.. new[] { "single", "darts-v1" }.Select(m => (JsonNode)new JsonObject
            {
                ["method"] = m, ["seeds"] = 1, ["completed"] = 1, ["collapse_threshold"] = 4, ["collapse_rule"] = "param_free", ["counted_edges"] = 6,
            })]),
        };
        var path = Path.Combine(Tiny.TempDir(), "old-export.json");
        File.WriteAllText(path, new JsonObject { ["sweep"] = sweep, ["seeds"] = new JsonArray([.. seeds]) }.ToJsonString());
        return path;
    }

    private static ReportInput Completed(string path)
    {
        var read = ReportInput.FromExport(path, 1 << 20, 64);
        var (sweep, seeds) = OlderSweeps.Complete(read.Sweep, read.Seeds);
        return new ReportInput(sweep, seeds);
    }

    [Fact]
    public void Its_numbers_get_todays_keys_its_space_and_the_transfers_the_table_knows()
    {
        var input = Completed(Export());
        Assert.Equal("nb201", input.Space.Name);
        Assert.Equal(5, input.Space.DefaultAlarmEpochs);
        Assert.All(input.Sweep.Methods, m => Assert.Equal(CellMetrics.ParamFree, m.CollapseRule));
        var last = ReportInput.Final(input.Seeds.Single(s => s.Status.Method == "darts-v1"))!;
        var row = Nb201Table.Builtin.Find(Genotype.Parse(AllSkip))!;
        Assert.Equal(6, last.Metric(CellMetrics.ParamFree));
        Assert.Equal(row.Accuracy(Nb201Table.Cifar10), last.Metric(Nb201Benchmark.TestAcc));
        Assert.Equal(row.Accuracy(Nb201Table.Cifar100), last.Metric(Nb201Benchmark.TransferKey(Nb201Table.Cifar100)));
        Assert.Equal(row.Accuracy(Nb201Table.ImageNet16), last.Metric(Nb201Benchmark.TransferKey(Nb201Table.ImageNet16)));
        Assert.Equal(1.6, last.Metric("alpha.entropy"));
        Assert.Contains(input.Sweep.Metrics, m => m.Key == Nb201Benchmark.TransferKey(Nb201Table.Cifar100));
        Assert.NotEmpty(last.Slots);
    }

    [Fact]
    public void The_report_counts_its_collapses_by_the_rule_it_ran_with()
    {
        var dir = Path.Combine(Tiny.TempDir(), "report");
        StabilityReport.Write(Completed(Export()), dir);
        var html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("<td>darts-v1</td><td>1 / 1</td>", html.Replace("\n", ""));
        Assert.Contains("<td>single</td><td>0 / 1</td>", html.Replace("\n", ""));
        Assert.Contains("ImageNet16-120 test accuracy of the cell (transfer)", html);
    }

    [Fact]
    public void Benchmark_values_are_not_derived_when_the_recorded_ones_disagree_with_the_table()
    {
        var input = Completed(Export(recordedAcc: 12.34));
        var last = ReportInput.Final(input.Seeds[0])!;
        Assert.Equal(12.34, last.Metric(Nb201Benchmark.TestAcc));
        Assert.Null(last.Metric(Nb201Benchmark.TransferKey(Nb201Table.Cifar100)));
    }
}
