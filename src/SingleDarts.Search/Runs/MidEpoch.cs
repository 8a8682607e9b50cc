using SingleDarts.Search.Checkpoints;

namespace SingleDarts.Search.Runs;

/// <summary>
/// A run's mid-epoch state, the same for a search and an evaluation: where a cancelled epoch stopped (written into the
/// next checkpoint) and where a restored mid-epoch checkpoint left one (taken once by the epoch it belongs to).
/// </summary>
internal sealed class MidEpoch
{
    public EpochProgress? Interrupted { get; private set; }
    public EpochProgress? ResumePoint { get; private set; }

    /// <summary>The step loop stopped here (<see cref="StepLoop"/>'s callback).</summary>
    public void Interrupt(EpochProgress at) => Interrupted = at;

    /// <summary>A checkpoint was restored: its progress (null at an epoch boundary) is where the next epoch starts.</summary>
    public void Restored(EpochProgress? progress)
    {
        ResumePoint = progress;
        Interrupted = null;
    }

    /// <summary>The progress a mid-epoch checkpoint restored for <paramref name="epoch"/>, once; null for a fresh epoch.</summary>
    public EpochProgress? Take(int epoch)
    {
        var point = ResumePoint is { } p && p.Epoch == epoch ? p : null;
        ResumePoint = null;
        return point;
    }

    /// <summary>
    /// The run's state as a checkpoint holds it: unchanged at an epoch boundary; after a cancelled epoch, with its progress and
    /// the loaders' generators as they were at the epoch's start (prefetching has drawn ahead of the steps).
    /// </summary>
    public CheckpointState Stamp(CheckpointState state) => Interrupted is { } p ? state with { Rng = p.Rng, Progress = p } : state;
}
