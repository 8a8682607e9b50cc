using SingleDarts.Abstractions;

namespace SingleDarts.Grains;

[GenerateSerializer, Alias("SingleDarts.SweepEntry")]
public sealed class SweepEntry
{
    [Id(0)] public SeedStatus Status { get; set; } = new();
    [Id(1)] public List<EpochSummary> History { get; set; } = [];

    /// <summary>The seed grain has been started (before that the seed waits here, Queued).</summary>
    [Id(2)] public bool Dispatched { get; set; }
}

[GenerateSerializer, Alias("SingleDarts.SweepGrainState")]
public sealed class SweepGrainState
{
    [Id(0)] public SweepSpec? Spec { get; set; }
    [Id(1)] public SweepState State { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(4)] public List<SweepEntry> Seeds { get; set; } = [];

    /// <summary>The W3C id of the span that started the sweep, the parent of every sweep span of this sweep.</summary>
    [Id(5)] public string? TraceParent { get; set; }
}
