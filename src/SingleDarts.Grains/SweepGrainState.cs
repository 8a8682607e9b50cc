using SingleDarts.Abstractions;

namespace SingleDarts.Grains;

/// <summary>
/// What a coordinator persists: its spec and state, one small record per seed and the running
/// per-epoch aggregates — never a seed's epoch history, which lives in the seed grain's own state
/// (bounded by that seed's epochs, written by that seed alone, moved with it on failover). The
/// records and curves are packed (<see cref="SweepSeeds"/>, <see cref="EpochCurves"/>): a row of
/// ~30 bytes a seed plus the spec, so 10,000 seeds stay well inside Azure Table's ~1 MB entity
/// limit (tested), whatever the number of epochs.
/// </summary>
[GenerateSerializer, Alias("SingleDarts.SweepGrainState")]
public sealed class SweepGrainState : IWriterStamped
{
    [Id(0)] public SweepSpec? Spec { get; set; }
    [Id(1)] public SweepState State { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>The W3C id of the span that started the sweep, the parent of every sweep span of this sweep.</summary>
    [Id(5)] public string? TraceParent { get; set; }

    /// <summary>Every seed's record, in spec order (methods × seeds), packed by <see cref="SweepSeeds.Pack"/>.</summary>
    [Id(6)] public byte[] Seeds { get; set; } = [];

    /// <summary>The per-method, per-epoch accumulators, packed by <see cref="EpochCurves.Pack"/>.</summary>
    [Id(7)] public byte[] Curves { get; set; } = [];

    /// <inheritdoc/>
    [Id(8)] public string? Writer { get; set; }
}
