using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using SingleDarts.Abstractions;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Metrics;

namespace SingleDarts.Grains.Telemetry;

/// <summary>
/// The <c>SingleDarts</c> meter. Per-seed gauges read the latest <see cref="SeedStatus"/> each seed
/// grain of this process published (the very record <c>sweep status</c> and <c>sweep watch</c>
/// show); seeds by state read the coordinators' seed lists; step and checkpoint instruments are
/// recorded by the search threads. A grain withdraws its series when it deactivates, so a seed or
/// sweep that moved to another silo is never counted twice.
/// </summary>
public static class SingleDartsMetrics
{
    /// <summary>
    /// The fixed instruments' name, unit and description (the docs' table is this list); every declared per-epoch
    /// metric adds a gauge of its own (<see cref="MetricInstrument"/>), made the first time a seed declares it.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string Unit, string Description)> Instruments =
    [
        ("singledarts.seeds", "{seed}", "seeds of a sweep by state (sweep.id, method, state; stage=evaluate for the evaluation stage)"),
        ("singledarts.seed.epoch", "{epoch}", "epochs a seed has finished"),
        ("singledarts.seed.epochs", "{epoch}", "epochs a seed will run"),
        ("singledarts.seed.step", "{step}", "step within the running epoch"),
        ("singledarts.train.loss", "1", "mean training loss of the last finished epoch"),
        ("singledarts.train.accuracy", "1", "training accuracy of the last finished epoch (0..1)"),
        ("singledarts.valid.accuracy", "1", "held-out accuracy of the supernet after the last finished epoch (0..1)"),
        ("singledarts.test.accuracy", "1", "evaluation stage: test accuracy of the seed's genotype trained from scratch, after the last finished epoch (0..1)"),
        ("singledarts.cell.op_share", "1", "share of the current cell's edges that chose each operation (op)"),
        ("singledarts.step.duration", "s", "wall time of one training step (histogram)"),
        ("singledarts.train.images", "{image}", "images trained on (rate() = images/s)"),
        ("singledarts.train.throughput", "{image}/s", "images per second over the steps of the last finished epoch"),
        ("singledarts.checkpoint.write.duration", "s", "time to write a checkpoint (histogram)"),
        ("singledarts.checkpoint.write.size", "By", "bytes of the checkpoint files written"),
        ("singledarts.collapse.alarms", "{alarm}", "collapse alarms raised (a seed's cell at or over the sweep's alarm threshold for its number of consecutive epochs; once per seed)"),
        ("singledarts.sweep.state.write.size", "By", "bytes of a coordinator's packed seed records and curves per state write (histogram; sweep.id)"),
    ];

    public const string SweepIdTag = "sweep.id";
    public const string MethodTag = "method";
    public const string SeedTag = "seed";
    public const string StateTag = "state";
    public const string OpTag = "op";

    /// <summary>On a seed's evaluation stage only: stage=evaluate (a search's series keep the tags they always had).</summary>
    public const string StageTag = "stage";

    private static readonly Meter Meter = new(SingleDartsTelemetry.Name, SingleDartsTelemetry.Version);
    private static readonly ConcurrentDictionary<(string Silo, string Seed), Published> Seeds = new();
    private static readonly ConcurrentDictionary<(string Silo, string Sweep), SeedStatus[]> Sweeps = new();

    private static readonly double[] StepBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly Histogram<double> StepDuration = Meter.CreateHistogram("singledarts.step.duration", Unit("singledarts.step.duration"),
        Describe("singledarts.step.duration"), advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StepBuckets });
    private static readonly Counter<long> Images = Meter.CreateCounter<long>("singledarts.train.images", Unit("singledarts.train.images"), Describe("singledarts.train.images"));
    private static readonly Histogram<double> CheckpointDuration = Meter.CreateHistogram("singledarts.checkpoint.write.duration",
        Unit("singledarts.checkpoint.write.duration"), Describe("singledarts.checkpoint.write.duration"),
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StepBuckets });
    private static readonly Counter<long> CheckpointBytes = Meter.CreateCounter<long>("singledarts.checkpoint.write.size",
        Unit("singledarts.checkpoint.write.size"), Describe("singledarts.checkpoint.write.size"));
    private static readonly Counter<long> CollapseAlarms = Meter.CreateCounter<long>("singledarts.collapse.alarms",
        Unit("singledarts.collapse.alarms"), Describe("singledarts.collapse.alarms"));
    private static readonly Histogram<long> SweepStateBytes = Meter.CreateHistogram("singledarts.sweep.state.write.size",
        Unit("singledarts.sweep.state.write.size"), Describe("singledarts.sweep.state.write.size"),
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1_024, 4_096, 16_384, 65_536, 262_144, 524_288, 1_048_576] });

    /// <summary>Every per-seed counter: each starts at 0 when a seed's run starts (<see cref="SeedStarted"/>).</summary>
    private static readonly Counter<long>[] SeedCounters = [Images, CheckpointBytes, CollapseAlarms];

    static SingleDartsMetrics()
    {
        Gauge("singledarts.seeds", SeedsByState);
        Gauge("singledarts.seed.epoch", () => PerSeed(s => s.EpochsDone));
        Gauge("singledarts.seed.epochs", () => PerSeed(s => s.Epochs));
        Gauge("singledarts.seed.step", LiveSteps);
        Gauge("singledarts.train.loss", () => PerSeed(s => s.Last?.TrainLoss));
        Gauge("singledarts.train.accuracy", () => PerSeed(s => s.Last?.TrainAcc));
        Gauge("singledarts.valid.accuracy", () => PerSeed(s => s.Last?.ValidAcc));
        Gauge("singledarts.test.accuracy", () => PerSeed(s => s.Last?.TestAcc));
        Gauge("singledarts.cell.op_share", OpShares);
        Gauge("singledarts.train.throughput", () => PerSeed(s => s.Last?.ImagesPerSecond));
    }

    private static readonly ConcurrentDictionary<string, ObservableGauge<double>> MetricGauges = new();

    /// <summary>The instrument of a declared metric: <c>singledarts.</c> + its key (<c>singledarts.nb201.test_acc</c>).</summary>
    public static string MetricInstrument(string key) => "singledarts." + key;

    /// <summary>The instrument unit of a metric's unit: % stays; a word (edges, nats, rank) becomes an annotation ({edges}), so exporters add no suffix.</summary>
    public static string MetricUnit(string unit) => unit is "" ? "1" : unit is "%" or "1" || unit.StartsWith('{') ? unit : "{" + unit + "}";

    /// <summary>Makes the gauges of these declared metrics (once per key, for the process): each reads the seeds' last epochs.</summary>
    public static void Declare(IEnumerable<MetricDefinition> metrics)
    {
        foreach (var m in metrics)
            MetricGauges.GetOrAdd(m.Key, key => Meter.CreateObservableGauge(MetricInstrument(key), () => Latest(key),
                MetricUnit(m.Unit), $"{m.Label} (declared by the {m.Source})"));
    }

    /// <summary>
    /// A seed grain's latest status (with its last epoch); replaces what it published before. <paramref name="step"/>, when
    /// given, is read at each collection for the step gauge: a step lasts milliseconds, far less than the grain's drain period.
    /// </summary>
    /// <param name="latest">each declared metric's latest value over the seed's epochs (a metric measured every few epochs, as λ_max, keeps its last value between measurements).</param>
    public static void PublishSeed(string silo, string seedKey, SeedStatus status, Func<int>? step = null, IReadOnlyDictionary<string, double>? latest = null) =>
        Seeds[(silo, seedKey)] = new(status, step, latest);

    public static void WithdrawSeed(string silo, string seedKey) => Seeds.TryRemove((silo, seedKey), out _);

    /// <summary>A coordinator's seed list (for seeds by state).</summary>
    public static void PublishSweep(string silo, string sweepId, SeedStatus[] seeds) => Sweeps[(silo, sweepId)] = seeds;

    public static void WithdrawSweep(string silo, string sweepId) => Sweeps.TryRemove((silo, sweepId), out _);

    /// <summary>
    /// A seed's run (search or evaluation) starts on this silo: every per-seed counter is published at 0 with its tags, so
    /// that the series' first sample is 0 and Prometheus' increase() and rate() see the first rise (a series that first
    /// appears at 1, as a collapse alarm raised once, has no increase). Adding 0 to a series that exists changes nothing.
    /// </summary>
    public static void SeedStarted(in TagList seed)
    {
        foreach (var counter in SeedCounters) counter.Add(0, seed);
    }

    /// <summary>Recorded by the search thread after each step.</summary>
    public static void StepDone(in TagList seed, TimeSpan duration, long images)
    {
        StepDuration.Record(duration.TotalSeconds, seed);
        Images.Add(images, seed);
    }

    public static void CheckpointSaved(in TagList seed, TimeSpan duration, long bytes)
    {
        CheckpointDuration.Record(duration.TotalSeconds, seed);
        CheckpointBytes.Add(bytes, seed);
    }

    /// <summary>A seed raised its collapse alarm (sweep.id, method, seed).</summary>
    public static void CollapseAlarm(in TagList seed) => CollapseAlarms.Add(1, seed);

    /// <summary>A coordinator wrote its state: <paramref name="bytes"/> of packed records and curves.</summary>
    public static void SweepStateWritten(string sweepId, long bytes) => SweepStateBytes.Record(bytes, new KeyValuePair<string, object?>(SweepIdTag, sweepId));

    public static TagList SeedTags(string sweepId, string method, long seed) => new()
    {
        { SweepIdTag, sweepId },
        { MethodTag, method },
        { SeedTag, seed },
    };

    /// <summary>The tags of a seed's stage: the seed's, and stage=evaluate for an evaluation.</summary>
    public static TagList SeedTags(string sweepId, string method, long seed, string stage)
    {
        var tags = SeedTags(sweepId, method, seed);
        if (stage != SeedStages.Search) tags.Add(StageTag, stage);
        return tags;
    }

    private static TagList TagsOf(SeedStatus s) => SeedTags(s.SweepId, s.Method, s.Seed, s.Stage);

    private static IEnumerable<Measurement<double>> PerSeed(Func<SeedStatus, double?> value)
    {
        foreach (var (s, _, _) in Seeds.Values)
            if (value(s) is { } v && double.IsFinite(v))
                yield return new Measurement<double>(v, TagsOf(s));
    }

    private static IEnumerable<Measurement<double>> Latest(string key)
    {
        foreach (var (s, _, latest) in Seeds.Values)
            if ((latest is not null && latest.TryGetValue(key, out var v) ? v : s.Last?.Metric(key)) is { } value && double.IsFinite(value))
                yield return new Measurement<double>(value, TagsOf(s));
    }

    private static IEnumerable<Measurement<double>> LiveSteps()
    {
        foreach (var (s, step, _) in Seeds.Values)
            if (s.State == SeedState.Running)
                yield return new Measurement<double>(step?.Invoke() ?? s.Step, TagsOf(s));
    }

    private readonly record struct Published(SeedStatus Status, Func<int>? Step, IReadOnlyDictionary<string, double>? Latest);

    private static IEnumerable<Measurement<double>> OpShares()
    {
        foreach (var (s, _, _) in Seeds.Values)
        {
            if (s.Last?.OpShares is not { Length: > 0 } shares) continue;
            if (!SearchSpaces.TryGet(s.Space, out var space)) continue;
            var opNames = space.Operations;
            for (var op = 0; op < shares.Length && op < opNames.Count; op++)
            {
                var tags = TagsOf(s);
                tags.Add(OpTag, opNames[op]);
                yield return new Measurement<double>(shares[op], tags);
            }
        }
    }

    private static IEnumerable<Measurement<double>> SeedsByState()
    {
        foreach (var ((_, sweep), seeds) in Sweeps)
            foreach (var (method, stage) in seeds.Select(s => (s.Method, s.Stage)).Distinct())
                foreach (var state in Enum.GetValues<SeedState>())
                {
                    var tags = new TagList
                    {
                        { SweepIdTag, sweep },
                        { MethodTag, method },
                        { StateTag, state.ToString().ToLowerInvariant() },
                    };
                    if (stage != SeedStages.Search) tags.Add(StageTag, stage);
                    yield return new Measurement<double>(seeds.Count(s => s.Method == method && s.Stage == stage && s.State == state), tags);
                }
    }

    private static void Gauge(string name, Func<IEnumerable<Measurement<double>>> observe) =>
        Meter.CreateObservableGauge(name, observe, Unit(name), Describe(name));

    private static string Unit(string name) => Instruments.First(i => i.Name == name).Unit;
    private static string Describe(string name) => Instruments.First(i => i.Name == name).Description;
}
