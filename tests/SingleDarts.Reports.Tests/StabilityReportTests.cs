using System.Text.Json;
using AngleSharp.Html.Parser;
using SingleDarts.Abstractions;

namespace SingleDarts.Reports.Tests;

/// <summary>The report of a sweep: well-formed, self-contained HTML whose every figure exists, with the comparisons the seeds support.</summary>
[Trait("Category", "unit")]
public sealed class StabilityReportTests
{
    private static readonly string[] Cells =
    [
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
        "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|avg_pool_3x3~2|",
        "|nor_conv_1x1~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_3x3~2|",
    ];

    private static readonly string[] Ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"];
    private static readonly string[] Edges = ["1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2"];

    /// <summary>An NB201 cell's operations, read from its text here (the report library needs no search space).</summary>
    private static int[] Slots(string arch) => [.. arch.Split('|', StringSplitOptions.RemoveEmptyEntries).Where(t => t != "+").Select(t => Array.IndexOf(Ops, t[..t.IndexOf('~')]))];

    private static int ParamFree(string arch) => Slots(arch).Count(op => op is 0 or 1 or 4);

    /// <summary>What such a sweep declares: the cell's counts, a benchmark accuracy and rank, α's entropy.</summary>
    private static readonly MetricInfo[] Declared =
    [
        new() { Key = "cell.param_free", Label = "parameter-free edges of the cell's 6", Column = "param-free", Unit = "edges", Min = 0, Max = 6, Better = MetricBetter.Lower, Decimals = 0, Headline = true, CollapseCount = true },
        new() { Key = "cell.skip_connect", Label = "skip_connect edges of the cell's 6", Column = "skip", Unit = "edges", Min = 0, Max = 6, Better = MetricBetter.Lower, Decimals = 0, Headline = true, CollapseCount = true },
        new() { Key = "nb201.test_acc", Label = "NAS-Bench-201 test accuracy of the cell", Column = "NB201 %", Unit = "%", Min = 0, Max = 100, Better = MetricBetter.Higher, Headline = true },
        new() { Key = "nb201.rank", Label = "NAS-Bench-201 rank of the cell", Column = "rank", Unit = "rank", Min = 1, Max = 15625, Better = MetricBetter.Lower, Summary = MetricSummary.Median, Decimals = 0, Headline = true },
        new() { Key = "alpha.entropy", Label = "mean entropy of the relaxed α per edge", Column = "H(α)", Unit = "nats", Min = 0, Max = Math.Log(5), Decimals = 4, Headline = true },
    ];

    /// <summary>A finished NB201 sweep: two methods, <paramref name="seeds"/> seeds each, 4 epochs, with evaluations.</summary>
    // the CLI's InputLimits.ExportBytes and NestingDepth (this project loads no search core)
    internal const long MaxBytes = 256L << 20;
    internal const int MaxDepth = 64;

    internal static ReportInput Sweep(int seeds)
    {
        var methods = new[] { "single", "darts-v1" };
        var details = new List<SeedDetail>();
        foreach (var (method, m) in methods.Select((x, i) => (x, i)))
            for (var seed = 0; seed < seeds; seed++)
            {
                var history = Enumerable.Range(1, 4).Select(epoch =>
                {
                    var arch = Cells[(seed + m + (epoch > 2 ? 1 : 0)) % Cells.Length];
                    return new EpochSummary
                    {
                        Epoch = epoch,
                        TrainLoss = 2.0 / epoch,
                        TrainAcc = 0.2 * epoch,
                        ValidAcc = 0.1 * epoch + 0.01 * seed + 0.05 * m,
                        Arch = arch,
                        Slots = Slots(arch),
                        Metrics = new()
                        {
                            ["nb201.test_acc"] = 80 + epoch + seed + 3 * m,
                            ["nb201.rank"] = 1000 - 100 * epoch - seed,
                            ["cell.param_free"] = ParamFree(arch),
                            ["cell.skip_connect"] = Slots(arch).Count(op => op == 1),
                            ["alpha.entropy"] = 1.6 - 0.1 * epoch,
                        },
                        OpWeights = [.. Enumerable.Range(0, 6).Select(e => Enumerable.Range(0, 5).Select(op => 0.2f + 0.01f * (op - 2) * epoch * (e % 2 == 0 ? 1 : -1)).ToArray())],
                    };
                }).ToArray();
                var status = new SeedStatus { SweepId = "s", Method = method, Seed = seed, State = SeedState.Completed, Epochs = 4, EpochsDone = 4, Last = history[^1], Space = "nb201", Seconds = 60 };
                details.Add(Nb201Detail(status, history));
                var evaluation = history.Select(h => new EpochSummary { Epoch = h.Epoch, Arch = history[^1].Arch, TestAcc = 0.5 + 0.05 * h.Epoch + 0.01 * seed - 0.02 * m, TrainLoss = 1 }).ToArray();
                details.Add(Nb201Detail(status with { Stage = SeedStages.Evaluate, Last = evaluation[^1] }, evaluation));
            }
        var spec = new SweepSpec { Name = "demo", Methods = methods, Seeds = [.. Enumerable.Range(0, seeds).Select(i => (long)i)], SearchJson = """{"epochs":4}""", EvaluateJson = "{}" };
        var aggregates = methods.Select(m => new MethodAggregate
        {
            Method = m, Seeds = seeds, Completed = seeds, CollapseRule = "cell.param_free", CollapseThreshold = 4, CountedEdges = 6,
            ModalArch = Cells[0], ModalShare = 0.5, MeanPairwiseHamming = 3,
        }).ToArray();
        var space = new SpaceInfo { Name = "nb201", Ops = Ops, Groups = ["cell"], GroupEdges = [Edges], CountedEdges = 6, SlotLabels = Edges, SlotValues = Ops };
        return new ReportInput(new SweepStatus
        {
            Id = "demo-sweep", Spec = spec, State = SweepState.Completed, Seeds = [.. details.Select(d => d.Status)], Methods = aggregates, Metrics = Declared, Space = space,
        }, details);
    }

    private static SeedDetail Nb201Detail(SeedStatus status, EpochSummary[] history) => new()
    {
        Status = status, History = history, Space = "nb201", Ops = Ops, Edges = Edges, Groups = ["cell"], GroupRows = [6], Metrics = Declared,
    };

    internal static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "singledarts-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public void The_report_is_well_formed_html_whose_every_referenced_figure_exists_as_png_and_svg()
    {
        var dir = TempDir();
        var path = StabilityReport.Write(Sweep(6), dir, new ReportOptions { AlphaSeedsPerMethod = 1 });
        var text = File.ReadAllText(path);
        // strict mode throws on any parse error: unclosed or misnested elements, bad attributes
        var document = new HtmlParser(new HtmlParserOptions { IsStrictMode = true }).ParseDocument(text);
        var links = document.QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")!).ToList();
        Assert.NotEmpty(links);
        foreach (var link in links) Assert.True(File.Exists(Path.Combine(dir, link)), $"{link} is referenced but missing");
        var images = document.QuerySelectorAll("img").Select(i => i.GetAttribute("src")!).ToList();
        Assert.All(images, src => Assert.StartsWith("data:image/png;base64,", src));     // self-contained
        Assert.Equal(links.Count / 2, images.Count);                                      // a PNG and an SVG per figure
        foreach (var svg in Directory.GetFiles(Path.Combine(dir, "figures"), "*.svg")) System.Xml.Linq.XDocument.Load(svg);
        // the figures the issue asks for
        foreach (var name in new[] { "curve-nb201-test_acc", "curve-valid", "curve-cell-param_free", "curve-alpha-entropy", "curve-test", "final-nb201-test_acc", "final-test", "alpha-single-seed0", "alpha-darts-v1-seed0" })
            Assert.Contains($"figures/{name}.png", links);
        Assert.Contains("α figures for 2 of 12 seeds", text);
        Assert.Contains("demo-sweep", document.QuerySelector("title")!.TextContent);
        Assert.DoesNotContain("http://", text.Replace("http://www.w3.org/", ""));           // nothing fetched from the network
    }

    [Fact]
    public void Comparisons_state_n_and_use_the_tested_statistics_and_few_seeds_are_said_to_prove_nothing()
    {
        var input = Sweep(6);
        var dir = TempDir();
        var text = File.ReadAllText(StabilityReport.Write(input, dir));
        var single = input.Searches("single").Select(s => s.History[^1].Metrics["nb201.test_acc"]).ToList();
        var darts = input.Searches("darts-v1").Select(s => s.History[^1].Metrics["nb201.test_acc"]).ToList();
        var ci = Comparison.BootstrapMeanDifference(single, darts);
        Assert.Contains($"{ci.Estimate:F2} [{ci.Low:F2}, {ci.High:F2}]", text);
        var welch = Comparison.Welch(single, darts)!;
        Assert.Contains($"t = {welch.T:F2}, df = {welch.DegreesOfFreedom:F1}", text);
        Assert.Contains("<td>6, 6</td>", text);
        Assert.Contains("darts-v1 is higher than single by 3.00", text);       // every darts-v1 seed is 3 points above its single twin

        var few = File.ReadAllText(StabilityReport.Write(Sweep(3), TempDir()));
        Assert.Contains("n = 3 and 3: too few seeds to conclude anything", few);
        Assert.DoesNotContain("is higher than", few);

        // one seed per method (a first look): one sentence per metric instead of a table of pairs that each say "too few"
        var one = File.ReadAllText(StabilityReport.Write(Sweep(1), TempDir()));
        Assert.DoesNotContain("<th>A − B</th>", one);
        Assert.DoesNotContain("too few seeds to conclude anything", one);
        Assert.Contains("At most one seed per method: no difference between methods is estimated", one);
    }

    [Fact]
    public void Collapse_rates_come_with_wilson_intervals_over_the_completed_seeds()
    {
        var input = Sweep(6);
        var text = File.ReadAllText(StabilityReport.Write(input, TempDir()));
        foreach (var method in new[] { "single", "darts-v1" })
        {
            var finals = input.Searches(method).Select(s => s.History[^1]).ToList();
            var k = finals.Count(f => ParamFree(f.Arch) >= 4);
            var w = Comparison.Wilson(k, finals.Count)!;
            Assert.Contains($"<td>{method}</td><td>{k} / 6</td><td>{100 * w.Estimate:F0} % [{100 * w.Low:F0}, {100 * w.High:F0}]</td>", text);
        }
    }

    [Fact]
    public void An_export_file_reads_back_and_a_wrong_file_is_one_clear_error()
    {
        var input = Sweep(2);
        var path = Path.Combine(TempDir(), "export.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { sweep = input.Sweep, seeds = input.Seeds }, WireJson.Options));
        var back = ReportInput.FromExport(path, MaxBytes, MaxDepth);
        Assert.Equal(input.Seeds.Count, back.Seeds.Count);
        Assert.Equal(input.Sweep.Spec.Methods, back.Sweep.Spec.Methods);
        Assert.Equal(input.Seeds[0].History[^1].OpWeights[2], back.Seeds[0].History[^1].OpWeights[2]);
        Assert.True(back.Seeds[1].Status.IsEvaluation);
        Assert.True(File.Exists(StabilityReport.Write(back, TempDir())));

        var bad = Path.Combine(TempDir(), "bad.json");
        File.WriteAllText(bad, """{"id": "not an export"}""");
        Assert.Contains("not a sweep export", Assert.Throws<ReportException>(() => ReportInput.FromExport(bad, MaxBytes, MaxDepth)).Message);
        File.WriteAllText(bad, "{ nope");
        Assert.Contains("not valid JSON", Assert.Throws<ReportException>(() => ReportInput.FromExport(bad, MaxBytes, MaxDepth)).Message);
        Assert.Contains("no such file", Assert.Throws<ReportException>(() => ReportInput.FromExport(bad + ".missing", MaxBytes, MaxDepth)).Message);
    }
}
