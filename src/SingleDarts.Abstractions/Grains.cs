using Orleans.Concurrency;

namespace SingleDarts.Abstractions;

/// <summary>The coordinator of one sweep (key: the sweep id).</summary>
[Alias("SingleDarts.ISweepGrain")]
public interface ISweepGrain : IGrainWithStringKey
{
    /// <summary>
    /// Validates the spec, records the sweep and launches its seeds; returns at once. Starting the
    /// same id again with the same spec returns its status; with another spec it fails.
    /// </summary>
    [Alias("Start")]
    Task<SweepStart> Start(SweepSpec spec);

    /// <summary>
    /// Null when no sweep has this id. Read-only and interleaved with the coordinator's other work
    /// (it answers between the awaits of a busy coordinator instead of queueing behind them).
    /// </summary>
    [AlwaysInterleave, Alias("GetStatus")]
    Task<SweepStatus?> GetStatus();

    /// <summary>Null when the sweep or the seed is unknown (read-only, interleaved like <see cref="GetStatus"/>).</summary>
    [AlwaysInterleave, Alias("GetSeed")]
    Task<SeedDetail?> GetSeed(string method, long seed);

    /// <summary>A seed's stage (<see cref="SeedStages"/>): its search, as <see cref="GetSeed"/>, or its evaluation; null when unknown.</summary>
    [AlwaysInterleave, Alias("GetSeedStage")]
    Task<SeedDetail?> GetSeedStage(string method, long seed, string stage);

    /// <summary>Cancels every seed that has not ended; null when no sweep has this id.</summary>
    [Alias("Cancel")]
    Task<SweepStatus?> Cancel();

    /// <summary>Progress from a seed grain (one-way: a seed never waits on its coordinator).</summary>
    [OneWay, Alias("SeedChanged")]
    Task SeedChanged(SeedStatus status, EpochSummary[] newEpochs);
}

/// <summary>The answer to <see cref="ISweepGrain.Start"/>: the status, or every problem with the spec.</summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.SweepStart")]
public sealed record SweepStart
{
    [Id(0)] public SweepStatus? Status { get; init; }
    [Id(1)] public string[] Problems { get; init; } = [];
}

/// <summary>One (sweep, method, seed) search (key: <see cref="SweepKeys.Seed"/>). Runs only on worker silos.</summary>
[Alias("SingleDarts.ISeedGrain")]
public interface ISeedGrain : IGrainWithStringKey
{
    /// <summary>Queues the search and returns at once; the search runs on a dedicated thread when a slot of the silo is free.</summary>
    [Alias("Start")]
    Task<SeedStatus> Start(SeedSpec spec);

    /// <summary>Null when the seed was never started.</summary>
    [Alias("GetDetail")]
    Task<SeedDetail?> GetDetail();

    /// <summary>The seed's status without its history (what the coordinator keeps); null when the seed was never started.</summary>
    [Alias("GetStatus")]
    Task<SeedStatus?> GetStatus();

    /// <summary>Stops the search within one step (a queued seed never starts).</summary>
    [Alias("Cancel")]
    Task Cancel();

    /// <summary>
    /// The coordinator's watchdog: a call activates the seed if its silo was lost, and activation
    /// resumes a running seed from its last checkpoint on a surviving worker. A seed whose grain
    /// state was lost with its silo (in-memory state) starts again from <paramref name="spec"/> and
    /// resumes from its checkpoints.
    /// </summary>
    [OneWay, Alias("Wake")]
    Task Wake(SeedSpec spec);
}

/// <summary>The cluster's list of sweeps (a single grain, key 0).</summary>
[Alias("SingleDarts.ISweepRegistryGrain")]
public interface ISweepRegistryGrain : IGrainWithIntegerKey
{
    [Alias("Upsert")]
    Task Upsert(SweepSummary summary);

    [Alias("List")]
    Task<SweepSummary[]> List();
}
