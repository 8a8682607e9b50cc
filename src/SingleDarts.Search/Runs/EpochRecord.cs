namespace SingleDarts.Search.Runs;

/// <summary>
/// What one epoch of a run ended with (a line of epochs.jsonl), a search's or an evaluation's: what every
/// run has — losses, accuracies, the genotype, timings, a search's α — and the named numbers its metric
/// sources declared (<see cref="Metrics"/>: the cell's counts, the benchmark's lookups, diagnostics).
/// </summary>
public sealed record EpochRecord
{
    /// <summary>1-based epoch number.</summary>
    public int Epoch { get; init; }
    public double TrainLoss { get; init; }
    public double TrainAcc { get; init; }

    /// <summary>A search: accuracy of the supernet (eval mode) on the held-out images; null when there are none.</summary>
    public double? ValidAcc { get; init; }

    /// <summary>An evaluation: top-1 accuracy and mean cross-entropy on the test split (eval mode, no auxiliary head).</summary>
    public double? TestAcc { get; init; }
    public double? TestLoss { get; init; }

    /// <summary>Learning rate of w at the last step of the epoch.</summary>
    public double Lr { get; init; }

    /// <summary>The genotype's text: a search's derived cell, an evaluation's fixed one.</summary>
    public string Arch { get; init; } = "";

    /// <summary>A search's α, a row per edge and a column per operation, the space's groups one after the other (see <see cref="Spaces.ISearchSpace.AlphaGroups"/>).</summary>
    public float[][] Alphas { get; init; } = [];

    /// <summary>Relaxed α (softmax or sigmoid), same layout.</summary>
    public float[][] OpWeights { get; init; } = [];

    /// <summary>Share of the counted edges per operation, in the space's operation order.</summary>
    public double[] OpShares { get; init; } = [];

    /// <summary>The genotype as its space's slots (<see cref="Spaces.ISpaceGenotype.Slots"/>).</summary>
    public int[] Slots { get; init; } = [];

    /// <summary>The declared numbers of this epoch by metric key (a key is absent when it has no value, e.g. a cell the table lacks).</summary>
    public SortedDictionary<string, double> Metrics { get; init; } = new(StringComparer.Ordinal);
    public int Steps { get; init; }

    /// <summary>Images the epoch trained on.</summary>
    public long Images { get; init; }

    /// <summary>Wall time of the training steps alone (no evaluation, no checkpoint), and of the whole epoch.</summary>
    public double StepSeconds { get; init; }
    public double Seconds { get; init; }

    /// <summary>Set on the epoch a stopping rule (DARTS-ES) ended the search: why, in a sentence.</summary>
    public string? Stop { get; init; }

    /// <summary>With <see cref="Stop"/>: the epoch whose cell is the search's result (DARTS-ES: i − k).</summary>
    public int? ResultEpoch { get; init; }

    /// <summary>A metric's value this epoch, or null.</summary>
    public double? Metric(string key) => Metrics.TryGetValue(key, out var v) ? v : null;
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

    /// <summary>The last epoch's declared numbers.</summary>
    public SortedDictionary<string, double> Metrics { get; init; } = new(StringComparer.Ordinal);
    public double TrainLoss { get; init; }
    public double TrainAcc { get; init; }
    public double? ValidAcc { get; init; }

    /// <summary>Wall time of all epochs, summed over resumed sessions.</summary>
    public double Seconds { get; init; }

    /// <summary>Why the search ended before its last epoch (DARTS-ES), and the epoch its cell, α and numbers are from; null: it ran every epoch.</summary>
    public string? Stop { get; init; }
    public int? ResultEpoch { get; init; }
}

/// <summary>The outcome of an evaluation run (result.json).</summary>
public sealed record EvalResult
{
    public string Space { get; init; } = "";
    public string Arch { get; init; } = "";
    public long Seed { get; init; }
    public int Epochs { get; init; }

    /// <summary>Weights of the evaluation network without the auxiliary head (the size papers report), and with it.</summary>
    public long Weights { get; init; }
    public long WeightsWithAuxiliary { get; init; }

    /// <summary>Test accuracy after the last epoch (the figure papers report), and the best of any epoch (for reference only: choosing it would tune on the test split).</summary>
    public double TestAcc { get; init; }
    public double BestTestAcc { get; init; }
    public int BestEpoch { get; init; }
    public double TrainLoss { get; init; }
    public double TrainAcc { get; init; }
    public int TestImages { get; init; }

    /// <summary>Wall time of all epochs, summed over resumed sessions.</summary>
    public double Seconds { get; init; }
}
