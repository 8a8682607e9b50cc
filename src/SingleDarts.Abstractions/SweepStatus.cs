namespace SingleDarts.Abstractions;

[GenerateSerializer, Alias("SingleDarts.SweepState")]
public enum SweepState
{
    Running,

    /// <summary>Every seed ended (completed or failed).</summary>
    Completed,
    Cancelled,
}

/// <summary>Mean, sample standard deviation (n − 1; 0 for one value), min and max of some values.</summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.Stat")]
public sealed record Stat
{
    [Id(0)] public int N { get; init; }
    [Id(1)] public double Mean { get; init; }
    [Id(2)] public double Std { get; init; }
    [Id(3)] public double Min { get; init; }
    [Id(4)] public double Max { get; init; }

    /// <summary>The median (null where only running statistics are kept: the per-epoch curves).</summary>
    [Id(5)] public double? Median { get; init; }
}

/// <summary>One epoch across the seeds of a method that reached it.</summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.EpochAggregate")]
public sealed record EpochAggregate
{
    [Id(0)] public int Epoch { get; init; }
    [Id(1)] public Stat? ValidAcc { get; init; }
    [Id(2)] public Stat TrainAcc { get; init; } = new();

    /// <summary>Every declared metric some seed had a value of at this epoch, by key.</summary>
    [Id(5)] public Dictionary<string, Stat> Metrics { get; init; } = [];
}

/// <summary>The stability of one method across its seeds.</summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.MethodAggregate")]
public sealed record MethodAggregate
{
    [Id(0)] public string Method { get; init; } = "";
    [Id(1)] public int Seeds { get; init; }
    [Id(2)] public int Completed { get; init; }
    [Id(3)] public int Failed { get; init; }
    [Id(4)] public int Cancelled { get; init; }
    [Id(5)] public int Running { get; init; }
    [Id(6)] public int Queued { get; init; }

    /// <summary>Final held-out accuracy of the completed seeds.</summary>
    [Id(7)] public Stat? ValidAcc { get; init; }

    /// <summary>Every declared metric of the completed seeds' last epochs, by key (the metric's <see cref="MetricInfo.Summary"/> says which figure to show).</summary>
    [Id(23)] public Dictionary<string, Stat> Finals { get; init; } = [];

    /// <summary>Share of completed seeds whose final cell has ≥ <see cref="CollapseThreshold"/> edges of <see cref="CollapseRule"/>'s kind.</summary>
    [Id(9)] public double? CollapseRate { get; init; }
    [Id(10)] public int CollapseThreshold { get; init; }

    /// <summary>The count metric the collapse rule reads (<c>cell.param_free</c>, <c>cell.skip_connect</c>), of <see cref="CountedEdges"/>.</summary>
    [Id(15)] public string CollapseRule { get; init; } = "";
    [Id(16)] public int CountedEdges { get; init; }

    /// <summary>The most frequent final arch (ties: the smallest string) and the share of completed seeds on it.</summary>
    [Id(11)] public string? ModalArch { get; init; }
    [Id(12)] public double? ModalShare { get; init; }

    /// <summary>Mean number of genotype slots (NB201: 6 edges; DARTS: 16 kept edges) on which two completed seeds' finals differ, over all pairs.</summary>
    [Id(13)] public double? MeanPairwiseHamming { get; init; }
    [Id(14)] public EpochAggregate[] Curve { get; init; } = [];

    /// <summary>The evaluation stage (when the spec has one): seeds whose genotype was trained from scratch, and their final test accuracy (%).</summary>
    [Id(19)] public int Evaluated { get; init; }
    [Id(20)] public int EvaluationsFailed { get; init; }
    [Id(21)] public int EvaluationsRunning { get; init; }
    [Id(22)] public Stat? TestAcc { get; init; }
}

/// <summary>A sweep: its spec, every seed and the per-method aggregates.</summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.SweepStatus")]
public sealed record SweepStatus
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public SweepSpec Spec { get; init; } = new();
    [Id(2)] public SweepState State { get; init; }
    [Id(3)] public DateTimeOffset CreatedAt { get; init; }
    [Id(4)] public DateTimeOffset? FinishedAt { get; init; }
    [Id(5)] public SeedStatus[] Seeds { get; init; } = [];
    [Id(6)] public MethodAggregate[] Methods { get; init; } = [];

    /// <summary>The silo (host:port) whose coordinator answered.</summary>
    [Id(7)] public string? Coordinator { get; init; }

    /// <summary>Seeds the cluster's active worker silos run at once, as the coordinator sees them.</summary>
    [Id(8)] public int Slots { get; init; }

    /// <summary>The numbers its seeds' epochs carry, as their sources declared them: what every view and export iterates over.</summary>
    [Id(9)] public MetricInfo[] Metrics { get; init; } = [];

    /// <summary>The sweep's search space, as far as views and reports need it.</summary>
    [Id(10)] public SpaceInfo Space { get; init; } = new();

    /// <summary>The data its seeds search on, as the spec names it (<c>synthetic</c>, <c>cifar10</c>, a path); empty in exports of earlier versions.</summary>
    [Id(11)] public string Data { get; init; } = "";

    /// <summary>
    /// The seeds search on generated images, where α barely moves: the figures show the mechanics, not the methods' behaviour, and
    /// collapse rates and alarms mean nothing (<see cref="SyntheticData"/> says so wherever they are shown).
    /// </summary>
    [Id(12)] public bool SyntheticData { get; init; }

    /// <summary>The declaration of <paramref name="key"/>, or null.</summary>
    public MetricInfo? Metric(string key) => Metrics.FirstOrDefault(m => m.Key == key);
}

/// <summary>A line of <c>sweep list</c>.</summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.SweepSummary")]
public sealed record SweepSummary
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public string Name { get; init; } = "";
    [Id(2)] public SweepState State { get; init; }
    [Id(3)] public DateTimeOffset CreatedAt { get; init; }
    [Id(4)] public int Seeds { get; init; }
    [Id(5)] public int Completed { get; init; }
    [Id(6)] public int Failed { get; init; }
    [Id(7)] public int Running { get; init; }
}
