namespace SingleDarts.Abstractions;

[GenerateSerializer, Alias("SingleDarts.SeedState")]
public enum SeedState
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

public static class SeedStates
{
    public static bool IsFinal(this SeedState state) => state is SeedState.Completed or SeedState.Failed or SeedState.Cancelled;
}

/// <summary>One epoch of a seed as the grains carry it (the search core's EpochRecord, as plain values).</summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.EpochSummary")]
public sealed record EpochSummary
{
    [Id(0)] public int Epoch { get; init; }
    [Id(1)] public double TrainLoss { get; init; }
    [Id(2)] public double TrainAcc { get; init; }
    [Id(3)] public double? ValidAcc { get; init; }
    [Id(4)] public double Lr { get; init; }
    [Id(5)] public string Arch { get; init; } = "";

    /// <summary>α, edges × operations, the space's α groups one after the other (<see cref="SeedDetail.Groups"/>).</summary>
    [Id(9)] public float[][] Alphas { get; init; } = [];

    /// <summary>softmax (or sigmoid) of α, same layout.</summary>
    [Id(10)] public float[][] OpWeights { get; init; } = [];
    [Id(11)] public double Seconds { get; init; }

    /// <summary>Share of the cell's edges that chose each operation (the ops in <see cref="SeedDetail.Ops"/> order).</summary>
    [Id(13)] public double[] OpShares { get; init; } = [];

    /// <summary>Images per second over the epoch's training steps (evaluation and checkpoint excluded).</summary>
    [Id(14)] public double? ImagesPerSecond { get; init; }

    /// <summary>Evaluation stage: top-1 accuracy on the dataset's test split of the genotype trained from scratch.</summary>
    [Id(17)] public double? TestAcc { get; init; }

    /// <summary>The genotype as its space's slots (<see cref="SpaceInfo.SlotLabels"/>): genotype agreement is counted on them.</summary>
    [Id(18)] public int[] Slots { get; init; } = [];

    /// <summary>The declared numbers of the epoch by metric key (<see cref="SweepStatus.Metrics"/> says what each is); a key without a value is absent.</summary>
    [Id(19)] public Dictionary<string, double> Metrics { get; init; } = [];

    /// <summary>Set on the epoch a stopping rule (DARTS-ES) ended the search: why; and the epoch whose cell is the seed's result.</summary>
    [Id(20)] public string? Stop { get; init; }
    [Id(21)] public int? ResultEpoch { get; init; }

    /// <summary>A metric's value, or null.</summary>
    public double? Metric(string key) => Metrics.TryGetValue(key, out var v) ? v : null;
}

/// <summary>Where a seed stands; what <c>sweep status</c> shows per seed.</summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.SeedStatus")]
public sealed record SeedStatus
{
    [Id(0)] public string SweepId { get; init; } = "";
    [Id(1)] public string Method { get; init; } = "";
    [Id(2)] public long Seed { get; init; }
    [Id(3)] public SeedState State { get; init; }

    /// <summary>The silo that runs (or ran) the seed, host:port.</summary>
    [Id(4)] public string? Silo { get; init; }
    [Id(5)] public int EpochsDone { get; init; }
    [Id(6)] public int Epochs { get; init; }

    /// <summary>Step within the running epoch and steps per epoch.</summary>
    [Id(7)] public int Step { get; init; }
    [Id(8)] public int Steps { get; init; }

    /// <summary>The last finished epoch.</summary>
    [Id(9)] public EpochSummary? Last { get; init; }

    /// <summary>Why the seed failed or was cancelled.</summary>
    [Id(10)] public string? Reason { get; init; }

    /// <summary>The run folder on the worker (config.json, epochs.jsonl, result.json and, with local storage, checkpoints/).</summary>
    [Id(11)] public string? RunFolder { get; init; }
    [Id(12)] public DateTimeOffset? StartedAt { get; init; }
    [Id(13)] public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Wall time of the finished epochs.</summary>
    [Id(14)] public double Seconds { get; init; }

    /// <summary>What went wrong and was handled (a damaged checkpoint skipped, a store outage waited out, a resume after a lost silo), newest last.</summary>
    [Id(15)] public string[] Warnings { get; init; } = [];

    /// <summary>The seed's search space (nb201, darts).</summary>
    [Id(16)] public string Space { get; init; } = "";

    /// <summary><see cref="SeedStages.Search"/>, or <see cref="SeedStages.Evaluate"/>: the training from scratch of the search's final genotype.</summary>
    [Id(17)] public string Stage { get; init; } = SeedStages.Search;

    public bool IsEvaluation => Stage == SeedStages.Evaluate;

    /// <summary>The epoch after which the seed raised its collapse alarm (null: it did not), and what it said.</summary>
    [Id(18)] public int? AlarmEpoch { get; init; }
    [Id(19)] public string? Alarm { get; init; }

    /// <summary>
    /// Set while a seed that ran is between silos — its silo shut down or was lost, and it waits to run
    /// again (for a new activation, then for a slot): where and why. Cleared when it runs again.
    /// </summary>
    [Id(20)] public string? Resuming { get; init; }

    /// <summary>Where it ran, for provenance: SingleDarts' version, TorchSharp and libtorch, threads, the CPU (model, AVX-512) and the device.</summary>
    [Id(21)] public string? Environment { get; init; }
}

/// <summary>A seed with its whole epoch history (what <c>seed show</c> prints).</summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.SeedDetail")]
public sealed record SeedDetail
{
    [Id(0)] public SeedStatus Status { get; init; } = new();
    [Id(1)] public EpochSummary[] History { get; init; } = [];

    /// <summary>Operation names, the columns of α.</summary>
    [Id(2)] public string[] Ops { get; init; } = [];

    /// <summary>Edge names (e.g. "1<-0"), the rows of α.</summary>
    [Id(3)] public string[] Edges { get; init; } = [];

    /// <summary>The search space.</summary>
    [Id(4)] public string Space { get; init; } = "";

    /// <summary>The names of α's groups (NB201: cell; DARTS: normal, reduce) and their rows, in order.</summary>
    [Id(5)] public string[] Groups { get; init; } = [];
    [Id(6)] public int[] GroupRows { get; init; } = [];

    /// <summary>The numbers its epochs carry (their declarations).</summary>
    [Id(7)] public MetricInfo[] Metrics { get; init; } = [];
}
