using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using SingleDarts.Abstractions;
using SingleDarts.Cli.Sweeps;
using SingleDarts.Grains.Telemetry;
using SingleDarts.Reports;
using SingleDarts.Search.Nn;
using SingleDarts.Search.Spaces.Nb201;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// The seam of the redesign: a search space and a per-epoch metric that exist only in this file, registered from
/// here, reach a sweep's status, its export, its OpenTelemetry instruments and its report with no other change —
/// the files this test needed are this one alone (the product's files name neither).
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "integration")]
public sealed class SeamTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_test_only_space_and_metric_appear_in_status_export_metrics_and_report()
    {
        using var space = SearchSpaces.Register(new Chain());          // both registrations end with the test
        using var answer = MetricSources.Register(new Answer());
        var metrics = new List<Metric>();
        using var meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter(SingleDartsTelemetry.Name).AddInMemoryExporter(metrics).Build();
        var id = Tiny.NewId("seam");
        var options = Tiny.Options(epochs: 3) with { Space = Chain.Name, Cells = 1, Channels = 1 };
        var spec = new SweepSpec { Name = "seam", Methods = ["single", "darts-v1"], Seeds = [0, 1], SearchJson = SearchOptionsJson.ToJson(options) };
        var grain = fixture.Client.GetGrain<ISweepGrain>(id);
        Assert.Empty((await grain.Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, TimeSpan.FromMinutes(5));
        Assert.Equal(SweepState.Completed, status.State);

        // status: the space and both declarations; every seed's epochs carry the metric; aggregates and curves fold it
        Assert.Equal(Chain.Name, status.Space.Name);
        Assert.Equal(Chain.Ops, status.Space.Ops);
        Assert.Contains(status.Metrics, m => m.Key == Answer.Key && m.Unit == "answers" && m.Max == 100);
        Assert.Contains(status.Metrics, m => m.Key == CellMetrics.ParamFree && m.Max == 3);
        Assert.All(status.Seeds, s => Assert.Equal(Answer.Value(3), s.Last!.Metrics[Answer.Key]));
        Assert.All(status.Methods, m => Assert.Equal(Answer.Value(3), m.Finals[Answer.Key].Mean));
        Assert.All(status.Methods, m => Assert.Equal([Answer.Value(1), Answer.Value(2), Answer.Value(3)], m.Curve.Select(c => c.Metrics[Answer.Key].Mean)));

        // export: a column of its own, a value per seed and epoch
        var csv = Path.Combine(Tiny.TempDir(), "seam.csv");
        await SweepExport.Write(csv, "csv", status, grain, CancellationToken.None);
        var lines = File.ReadAllLines(csv);
        var column = Array.IndexOf(lines[0].Split(','), Answer.Key);
        Assert.True(column >= 0, lines[0]);
        Assert.Equal(4 * 3, lines.Length - 1);
        Assert.All(lines.Skip(1), l => Assert.Contains(l.Split(',')[column], new[] { "2.5", "4.5", "6.5" }));

        // metrics: its gauge, named after its key, with every seed's last value
        meterProvider.ForceFlush();
        var gauge = metrics.Where(m => m.Name == "singledarts." + Answer.Key).SelectMany(Points).Where(p => (string?)Tag(p, "sweep.id") == id).ToList();
        Assert.Equal(4, gauge.Count);
        Assert.All(gauge, p => Assert.Equal(Answer.Value(3), p.GetGaugeLastValueDouble()));

        // report: a comparison table and its curve, inside the declared range
        var details = new List<SeedDetail>();
        await foreach (var d in SweepExport.Details(grain, status, CancellationToken.None)) details.Add(d);
        var dir = Tiny.TempDir();
        var html = File.ReadAllText(StabilityReport.Write(new ReportInput(status, details), dir));
        Assert.Contains("the answer so far (answers)", html);
        Assert.True(File.Exists(Path.Combine(dir, "figures", "curve-test-answer.png")));
        Assert.Contains("chain edge 2", html);           // the agreement table names the test space's slots
    }

    private static IEnumerable<MetricPoint> Points(Metric m)
    {
        foreach (ref readonly var p in m.GetMetricPoints()) yield return p;
    }

    private static object? Tag(MetricPoint p, string key)
    {
        foreach (var tag in p.Tags)
            if (tag.Key == key) return tag.Value;
        return null;
    }

    /// <summary>A test-only diagnostic: 2·epoch + 0.5 answers.</summary>
    private sealed class Answer : IMetricSource
    {
        public const string Key = "test.answer";

        public static double Value(int epoch) => 2 * epoch + 0.5;

        public IReadOnlyList<MetricDefinition> Declare(RunScope scope) =>
            [new() { Key = Key, Label = "the answer so far", Column = "answer", Unit = "answers", Min = 0, Max = 100, Better = Better.Higher, Headline = true, Source = "test" }];

        public void Measure(IEpochContext epoch, IDictionary<string, double> into) => into[Key] = Value(epoch.Epoch);
    }

    /// <summary>
    /// A test-only search space: a chain of 3 edges, each a mixture of zero, identity and a linear map on the
    /// images' channel means; the genotype is the argmax per edge ("identity+linear+zero").
    /// </summary>
    private sealed class Chain : ISearchSpace
    {
        public const string Name = "chain";
        public static readonly string[] Ops = ["zero", "identity", "linear"];
        string ISearchSpace.Name => Name;
        public string Summary => "a test-only chain of 3 edges";
        public IReadOnlyList<string> Operations => Ops;
        public IReadOnlyList<AlphaGroup> AlphaGroups { get; } = [new("chain", ["1<-0", "2<-1", "3<-2"])];
        public int DefaultChannels => 1;
        public int DefaultCells => 1;
        public string CellsMeaning => "unused";
        public string CellsSymbol => "N";
        public int MinCells => 1;
        public int CountedEdges => 3;
        public bool IsParameterFree(int op) => op < 2;
        public string DefaultCollapseRule => CollapseRules.ParamFree;
        public int DefaultCollapseThreshold => 2;
        public int DefaultAlarmEpochs => 2;
        public IReadOnlyList<MetricDefinition> CellMetrics { get; } = Search.Spaces.CellMetrics.Declare(Name, 3, "the chain's 3", "zero, identity");
        public void MeasureCell(ISpaceGenotype genotype, IDictionary<string, double> into) => Search.Spaces.CellMetrics.Measure(genotype, into);
        public ISpaceBenchmark? Benchmark => null;
        public int SlotCount => 3;
        public IReadOnlyList<string> SlotLabels { get; } = ["chain edge 1", "chain edge 2", "chain edge 3"];
        public IReadOnlyList<string> SlotValues => Ops;
        public ISpaceGenotype FromSlots(IReadOnlyList<int> slots) => new ChainGenotype([.. slots]);

        public ISpaceModel Build(SupernetSettings settings, Generator generator, Device? device = null) =>
            new ChainModel(settings, generator, device);

        public ISpaceGenotype Derive(float[,] alphas, float[,] relaxed) =>
            new ChainGenotype([.. Enumerable.Range(0, 3).Select(e => Enumerable.Range(0, 3).MaxBy(op => alphas[e, op]))]);

        public ISpaceGenotype Parse(string text) => new ChainGenotype([.. text.Split('+').Select(t => Array.IndexOf(Ops, t) is >= 0 and var i ? i : throw new FormatException($"unknown op '{t}'"))]);
        public IReadOnlyDictionary<string, string> NamedGenotypes { get; } = new Dictionary<string, string>();
        public EvalProtocol EvalDefaults { get; } = new() { Channels = 1, Cells = 1, Epochs = 1, BatchSize = 16, Lr = 0.1 };
        public bool HasAuxiliaryHead => false;
        public bool HasDropPath => false;
        public EvalNetwork BuildNetwork(ISpaceGenotype genotype, int channels, int cells, int classes, bool auxiliary, Generator generator) =>
            throw new NotSupportedException("the chain space has no evaluation network");
    }

    private sealed record ChainGenotype(int[] Ops) : ISpaceGenotype
    {
        public string Text => string.Join('+', Ops.Select(o => Chain.Ops[o]));
        public int ParameterFreeEdges => Ops.Count(o => o < 2);
        public int SkipConnects => Ops.Count(o => o == 1);
        public double[] OpShares() => [.. Enumerable.Range(0, 3).Select(op => Ops.Count(o => o == op) / 3.0)];
        public IReadOnlyList<int> Slots => Ops;
    }

    private sealed class ChainNet : nn.Module
    {
        private readonly LinearLayer map, head;

        public ChainNet(int classes, Generator generator) : base(nameof(ChainNet))
        {
            map = new LinearLayer(3, 3, generator);
            head = new LinearLayer(3, classes, generator);
            RegisterComponents();
        }

        public Tensor forward(Tensor x, Tensor relaxed)
        {
            using var scope = NewDisposeScope();
            var h = x.mean([2, 3]);
            for (var e = 0; e < 3; e++)
                h = h.mul(relaxed[e, 1]).add(map.forward(h).mul(relaxed[e, 2]), Scalars.One);       // zero adds nothing
            return head.forward(h).MoveToOuterDisposeScope();
        }
    }

    private sealed class ChainModel(SupernetSettings settings, Generator generator, Device? device)
        : SpaceModel<ChainNet>(new ChainNet(settings.Classes, generator), 3, 3, settings, null, generator, device)
    {
        protected override Tensor Forward(Tensor x, ArchWeights weights) => Net.forward(x, weights.Ops);
    }
}
