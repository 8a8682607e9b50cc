using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using SingleDarts.Abstractions;

namespace SingleDarts.Reports.Tests;

/// <summary>Hand-made sweeps for the collapse analysis: each seed a list of parameter-free counts per epoch (the rule: ≥ 4 of 6).</summary>
internal static class CollapseFixtures
{
    public const string Rule = "cell.param_free";

    public static readonly MetricInfo[] Declared =
    [
        new() { Key = Rule, Label = "parameter-free edges of the cell's 6", Unit = "edges", Min = 0, Max = 6, Better = MetricBetter.Lower, Decimals = 0, CollapseCount = true },
        new() { Key = "hessian.lambda_max", Label = "λ_max", Unit = "", Better = MetricBetter.Lower, Decimals = 4 },
        new() { Key = "nb201.cifar100", Label = "NAS-Bench-201 CIFAR-100 test accuracy of the cell (transfer)", Unit = "%", Min = 0, Max = 100, Better = MetricBetter.Higher },
    ];

    /// <summary>One search seed: epochs 1..n with these counts (and λ_max, and a CIFAR-100 transfer accuracy, where given).</summary>
    public static SeedDetail Seed(string method, long seed, int[] counts, double?[]? lambdas = null, SeedState state = SeedState.Completed,
        int planned = 0, double? cifar100 = null)
    {
        var history = counts.Select((count, i) =>
        {
            var metrics = new Dictionary<string, double> { [Rule] = count };
            if (lambdas is not null && i < lambdas.Length && lambdas[i] is { } l) metrics["hessian.lambda_max"] = l;
            if (cifar100 is { } c) metrics["nb201.cifar100"] = c;
            return new EpochSummary { Epoch = i + 1, Arch = $"cell{count}", Metrics = metrics };
        }).ToArray();
        var status = new SeedStatus
        {
            SweepId = "c", Method = method, Seed = seed, State = state, Epochs = planned > 0 ? planned : counts.Length, EpochsDone = counts.Length,
            Last = history.LastOrDefault(), Space = "nb201",
        };
        return new SeedDetail { Status = status, History = history, Space = "nb201", Metrics = Declared };
    }

    /// <summary>A sweep of these seeds; the alarm as a spec would set it (0: the space's default of <paramref name="defaultAlarmEpochs"/>).</summary>
    public static ReportInput Sweep(IReadOnlyList<SeedDetail> seeds, int alarmEpochs = 2, int defaultAlarmEpochs = 5, DartsEsSpec? dartsEs = null)
    {
        var methods = seeds.Select(s => s.Status.Method).Distinct().ToArray();
        var spec = new SweepSpec
        {
            Name = "collapse", Methods = methods, Seeds = [.. seeds.Select(s => s.Status.Seed).Distinct()], AlarmEpochs = alarmEpochs, DartsEs = dartsEs,
        };
        var aggregates = methods.Select(m => new MethodAggregate
        {
            Method = m, Seeds = seeds.Count(s => s.Status.Method == m), Completed = seeds.Count(s => s.Status.Method == m && s.Status.State == SeedState.Completed),
            CollapseRule = Rule, CollapseThreshold = 4, CountedEdges = 6,
        }).ToArray();
        var space = new SpaceInfo { Name = "nb201", Ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"], CountedEdges = 6, DefaultAlarmEpochs = defaultAlarmEpochs };
        return new ReportInput(new SweepStatus
        {
            Id = "collapse-sweep", Spec = spec, State = SweepState.Completed, Seeds = [.. seeds.Select(s => s.Status)], Methods = aggregates, Metrics = Declared, Space = space,
        }, seeds);
    }

    /// <summary>
    /// The alarm set: with the alarm at ≥ 4 for 2 epochs, single/1 is a false alarm (an early blip, alarmed at epoch 3), darts-v1/1 a missed
    /// collapse (at epoch 10, one epoch only), darts-v1/0 alarmed 1 epoch after its collapse (4 → 5), darts-v1/2 2 epochs before (5 ← 3).
    /// </summary>
    public static IReadOnlyList<SeedDetail> AlarmSet(Func<int, double?[]?>? lambdas = null) =>
    [
        Seed("single", 0, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], lambdas?.Invoke(0), cifar100: 70),
        Seed("single", 1, [0, 4, 4, 0, 0, 0, 0, 0, 0, 0], lambdas?.Invoke(1), cifar100: 72),
        Seed("darts-v1", 0, [0, 0, 0, 4, 4, 4, 4, 4, 4, 4], lambdas?.Invoke(2), cifar100: 40),
        Seed("darts-v1", 1, [0, 0, 0, 0, 0, 0, 0, 0, 0, 4], lambdas?.Invoke(3), cifar100: 44),
        Seed("darts-v1", 2, [0, 4, 4, 3, 4, 4, 4, 4, 4, 4], lambdas?.Invoke(4), cifar100: 30),
    ];

    public static IDocument Parse(string path) => new HtmlParser(new HtmlParserOptions { IsStrictMode = true }).ParseDocument(File.ReadAllText(path));

    /// <summary>The body rows (cell texts) of the first table whose header starts with these cells.</summary>
    public static List<string[]> Rows(IDocument document, params string[] header) =>
    [
        .. document.QuerySelectorAll("table").First(t => t.QuerySelectorAll("thead th").Select(h => h.TextContent).Take(header.Length).SequenceEqual(header))
            .QuerySelectorAll("tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent).ToArray()),
    ];
}
