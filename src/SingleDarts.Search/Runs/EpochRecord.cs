using SingleDarts.Search.Benchmarks;

namespace SingleDarts.Search.Runs;

/// <summary>What one epoch of a search ended with (a line of epochs.jsonl).</summary>
public sealed record EpochRecord
{
    /// <summary>1-based epoch number.</summary>
    public int Epoch { get; init; }
    public double TrainLoss { get; init; }
    public double TrainAcc { get; init; }

    /// <summary>Accuracy of the supernet (eval mode) on the held-out images; null when there are none.</summary>
    public double? ValidAcc { get; init; }

    /// <summary>Learning rate of w at the last step of the epoch.</summary>
    public double Lr { get; init; }
    public string Arch { get; init; } = "";

    /// <summary>α, a row per edge and a column per operation, the space's groups one after the other (see <see cref="Spaces.ISearchSpace.AlphaGroups"/>).</summary>
    public float[][] Alphas { get; init; } = [];

    /// <summary>Relaxed α (softmax or sigmoid), same layout.</summary>
    public float[][] OpWeights { get; init; } = [];

    /// <summary>Share of the counted edges (NB201: the cell's 6; DARTS: the normal cell's 8) whose chosen operation is parameter-free.</summary>
    public double ParamFreeShare { get; init; }

    /// <summary>Parameter-free edges among the counted edges.</summary>
    public int ParamFreeEdges { get; init; }

    /// <summary>skip_connect edges among the counted edges (the DARTS literature's collapse signal).</summary>
    public int SkipConnects { get; init; }

    /// <summary>Share of the counted edges per operation, in the space's operation order.</summary>
    public double[] OpShares { get; init; } = [];

    /// <summary>The current cell's true accuracies and rank, when a NAS-Bench-201 table is given.</summary>
    public Nb201Lookup? Nb201 { get; init; }
    public int Steps { get; init; }

    /// <summary>Images the epoch trained on.</summary>
    public long Images { get; init; }

    /// <summary>Wall time of the training steps alone (no evaluation, no checkpoint).</summary>
    public double StepSeconds { get; init; }
    public double Seconds { get; init; }
}

/// <summary>The outcome of a search run (result.json).</summary>
public sealed record SearchResult
{
    public string Space { get; init; } = "";
    public string Method { get; init; } = "";
    public long Seed { get; init; }
    public int Epochs { get; init; }
    public string Arch { get; init; } = "";
    public float[][] Alphas { get; init; } = [];
    public float[][] OpWeights { get; init; } = [];
    public double ParamFreeShare { get; init; }
    public int ParamFreeEdges { get; init; }
    public int SkipConnects { get; init; }
    public Nb201Lookup? Nb201 { get; init; }
    public double TrainLoss { get; init; }
    public double TrainAcc { get; init; }
    public double? ValidAcc { get; init; }

    /// <summary>Wall time of all epochs, summed over resumed sessions.</summary>
    public double Seconds { get; init; }
}
