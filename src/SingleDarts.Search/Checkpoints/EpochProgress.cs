namespace SingleDarts.Search.Checkpoints;

/// <summary>
/// Where an unfinished epoch stands between two steps: what a mid-epoch checkpoint adds to a run's state
/// (written when a run is stopped mid-epoch — SIGTERM on a silo, Ctrl+C, a cancel — so that a restart loses at
/// most the step in flight, not the epoch). With the run's tensors (weights, optimiser moments, α, the torch
/// generator's state after <see cref="Step"/> steps) it continues the epoch bit for bit: the data order is
/// replayed from the loaders' generators as they were at the epoch's start, skipping the batches already trained on.
/// </summary>
public sealed record EpochProgress
{
    /// <summary>The unfinished epoch, 1-based.</summary>
    public int Epoch { get; init; }

    /// <summary>Steps of it already trained.</summary>
    public int Step { get; init; }

    /// <summary>The epoch's running sums so far: loss × images, correct predictions, images, step time, wall time, last learning rate.</summary>
    public double LossSum { get; init; }
    public long Correct { get; init; }
    public long Seen { get; init; }
    public double StepSeconds { get; init; }
    public double Seconds { get; init; }
    public double Lr { get; init; }

    /// <summary>The data-order generators' states at the epoch's start, by loader.</summary>
    public Dictionary<string, ulong[]> Rng { get; init; } = [];

    /// <summary>The progress after one more step.</summary>
    public EpochProgress After(double loss, long correct, long count, double lr, TimeSpan took) => this with
    {
        Step = Step + 1,
        LossSum = LossSum + loss * count,
        Correct = Correct + correct,
        Seen = Seen + count,
        StepSeconds = StepSeconds + took.TotalSeconds,
        Lr = lr,
    };
}
