namespace SingleDarts.Abstractions;

/// <summary>
/// A stability sweep: every (method, seed) pair searched with the same options. Validated in full
/// before anything starts (<c>SweepValidation</c> in SingleDarts.Grains).
/// </summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.SweepSpec")]
public sealed record SweepSpec
{
    /// <summary>Human name; the sweep id is derived from it when none is given.</summary>
    [Id(0)] public string Name { get; init; } = "";

    [Id(1)] public string[] Methods { get; init; } = [];

    /// <summary>The seeds of every method without its own list in <see cref="MethodSeeds"/>.</summary>
    [Id(2)] public long[] Seeds { get; init; } = [];

    /// <summary>
    /// The search options every seed shares, as the JSON object of a run's config.json
    /// ("options"): snake_case names. Method and seed are set per seed.
    /// </summary>
    [Id(3)] public string SearchJson { get; init; } = "{}";

    /// <summary>
    /// A seed has collapsed when its final cell has at least this many edges of <see cref="CollapseRule"/>'s
    /// kind; 0: the space's default (nb201: 4 of 6 parameter-free; darts: 3 of the normal cell's 8 skip_connect).
    /// </summary>
    [Id(4)] public int CollapseThreshold { get; init; }

    /// <summary>param_free or skip_connect; empty: the space's default.</summary>
    [Id(5)] public string CollapseRule { get; init; } = "";

    /// <summary>
    /// The evaluation stage: null for none; else the evaluate options (snake_case JSON, as an evaluation
    /// run's config.json "options") that override the space's protocol for every seed that completes its
    /// search — its final genotype is trained from scratch. Data, threads and device default to the search's.
    /// </summary>
    [Id(6)] public string? EvaluateJson { get; init; }

    /// <summary>
    /// The live collapse alarm: a seed whose cell has been at or over <see cref="AlarmThreshold"/> edges of the
    /// collapse rule's kind for <see cref="AlarmEpochs"/> consecutive epochs raises it, once. Threshold 0: the
    /// sweep's collapse threshold; epochs 0: the space's default (nb201: 5, darts: 3); epochs −1: no alarm.
    /// </summary>
    [Id(7)] public int AlarmThreshold { get; init; }
    [Id(8)] public int AlarmEpochs { get; init; }

    /// <summary>
    /// The alarm's warm-up: no alarm before epoch ⌈warm-up · the seed's epochs⌉ (the streak still counts during it). A spec that
    /// leaves it out gets <see cref="DefaultAlarmWarmup"/>; null: not recorded (a sweep of an earlier version, which had none).
    /// </summary>
    [Id(13)] public double? AlarmWarmup { get; init; }

    /// <summary>
    /// The warm-up the headline study supports (docs/results/nb201-cpu-scale.md, "Which collapse alarm to trust"): of the rules
    /// replayed on its seeds, the one with the fewest false alarms that misses no more collapses than the alarm without one.
    /// </summary>
    public const double DefaultAlarmWarmup = 0.5;

    /// <summary>The warm-up in effect: an earlier version's sweep (null) had none.</summary>
    public double AlarmWarmupOrNone => AlarmWarmup ?? 0;

    /// <summary>DARTS+-style early stopping: a seed that raises the alarm stops there, its genotype the one at the alarm.</summary>
    [Id(9)] public bool StopOnCollapse { get; init; }

    /// <summary>
    /// Per-method seed lists (a spec's <c>seeds: {single: [0, 1], darts-v2: [0]}</c>); a method not named here
    /// runs <see cref="Seeds"/>. Null: every method runs <see cref="Seeds"/>.
    /// </summary>
    [Id(10)] public Dictionary<string, long[]>? MethodSeeds { get; init; }

    /// <summary>
    /// Composed methods (a spec's <c>methods: [{name: gdas-single, preset: gdas, level: single}]</c>): method name → the
    /// snake_case JSON object of its parts (preset, level, relax, …), written over <see cref="SearchJson"/> for its seeds.
    /// A method not named here is a preset. Null: every method is one.
    /// </summary>
    [Id(11)] public Dictionary<string, string>? MethodJson { get; init; }

    /// <summary>DARTS-ES for every search seed (a spec's <c>darts_es</c>): stop when λ_max has grown fast and keep the cell from before; null: off.</summary>
    [Id(12)] public DartsEsSpec? DartsEs { get; init; }

    /// <summary>The seeds <paramref name="method"/> runs.</summary>
    public long[] SeedsOf(string method) => MethodSeeds?.GetValueOrDefault(method) ?? Seeds;

    /// <summary>Every (method, seed) search of the sweep, in spec order.</summary>
    public IEnumerable<(string Method, long Seed)> Pairs() => Methods.SelectMany(m => SeedsOf(m).Select(s => (m, s)));

    /// <summary>How many (method, seed) searches the sweep has.</summary>
    public long PairCount => Methods.Sum(m => (long)SeedsOf(m).Length);

    /// <summary>The seeds, as a line: "0, 1, 2" or, with per-method lists, "single: 0, 1; darts-v2: 0".</summary>
    public string SeedsText() => MethodSeeds is null
        ? string.Join(", ", Seeds)
        : string.Join("; ", Methods.Select(m => $"{m}: {string.Join(", ", SeedsOf(m))}"));

    /// <summary>How many seeds each method has, as a phrase: "2 method(s) x 5,001" or "single 10, darts-v2 5".</summary>
    public string SeedCountsText() => MethodSeeds is null
        ? $"{Methods.Length} method(s) x {Seeds.Length:N0}"
        : string.Join(", ", Methods.Select(m => $"{m} {SeedsOf(m).Length:N0}"));

    /// <summary>Same methods, seeds and options (a start repeated with the same spec is not a conflict).</summary>
    public bool SameSeeds(SweepSpec other) =>
        Methods.SequenceEqual(other.Methods) && Methods.All(m => SeedsOf(m).SequenceEqual(other.SeedsOf(m)))
        && Methods.All(m => MethodJsonOf(m) == other.MethodJsonOf(m));

    /// <summary>The parts of a composed method as JSON; null for a preset.</summary>
    public string? MethodJsonOf(string method) => MethodJson?.GetValueOrDefault(method);
}

/// <summary>
/// DARTS-ES (Zela et al. 2020) as a sweep sets it: stop a seed when λ̄(i − k)/λ̄(i) &lt; <see cref="Ratio"/> (λ̄: the mean λ_max
/// over k = <see cref="Window"/> epochs), from epoch i − k ≥ <see cref="StartEpoch"/> on, and keep the cell of epoch i − k.
/// </summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.DartsEsSpec")]
public sealed record DartsEsSpec
{
    [Id(0)] public int Window { get; init; } = 5;
    [Id(1)] public double Ratio { get; init; } = 0.75;
    [Id(2)] public int StartEpoch { get; init; } = 10;
}

/// <summary>A seed's collapse alarm, as the coordinator passes it on (see <see cref="SweepSpec.AlarmEpochs"/>).</summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.CollapseAlarm")]
public sealed record CollapseAlarm
{
    /// <summary>param_free or skip_connect.</summary>
    [Id(0)] public string Rule { get; init; } = "";
    [Id(1)] public int Threshold { get; init; }
    [Id(2)] public int Epochs { get; init; }
    [Id(3)] public bool Stop { get; init; }

    /// <summary>No alarm before epoch ⌈warm-up · the seed's epochs⌉ (<see cref="SweepSpec.AlarmWarmup"/>).</summary>
    [Id(4)] public double Warmup { get; init; }

    /// <summary>The first epoch after which the alarm may be raised, for a seed of <paramref name="epochs"/> epochs.</summary>
    public int Earliest(int epochs) => (int)Math.Ceiling(Warmup * epochs - 1e-9);
}

/// <summary>The stages of a sweep's seed: its search, then (when the spec has an evaluate section) the evaluation of its genotype.</summary>
public static class SeedStages
{
    public const string Search = "search", Evaluate = "evaluate";
}

/// <summary>What a seed grain is asked to run.</summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.SeedSpec")]
public sealed record SeedSpec
{
    [Id(0)] public string SweepId { get; init; } = "";
    [Id(1)] public string Method { get; init; } = "";
    [Id(2)] public long Seed { get; init; }

    /// <summary>The complete options of the stage (search: method and seed included; evaluate: the genotype included), snake_case JSON.</summary>
    [Id(3)] public string OptionsJson { get; init; } = "{}";

    /// <summary><see cref="SeedStages.Search"/> or <see cref="SeedStages.Evaluate"/>.</summary>
    [Id(4)] public string Stage { get; init; } = SeedStages.Search;

    /// <summary>The search's collapse alarm; null: none.</summary>
    [Id(5)] public CollapseAlarm? Alarm { get; init; }
}

/// <summary>The grain keys of a sweep's parts.</summary>
public static class SweepKeys
{
    /// <summary>Sweep ids name folders and grains: letters, digits, '.', '_' and '-'.</summary>
    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') && id[0] != '.';

    public static string Seed(string sweepId, string method, long seed) => $"{sweepId}/{method}/{seed}";

    /// <summary>The grain of a seed's stage: the search's key, or that key + "/evaluate".</summary>
    public static string Seed(string sweepId, string method, long seed, string stage) =>
        stage == SeedStages.Search ? Seed(sweepId, method, seed) : $"{Seed(sweepId, method, seed)}/{stage}";
}
