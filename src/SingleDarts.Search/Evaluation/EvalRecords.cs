namespace SingleDarts.Search.Evaluation;

/// <summary>What one epoch of an evaluation ended with (a line of epochs.jsonl).</summary>
public sealed record EvalEpochRecord
{
    /// <summary>1-based epoch number.</summary>
    public int Epoch { get; init; }
    public double TrainLoss { get; init; }
    public double TrainAcc { get; init; }

    /// <summary>Top-1 accuracy on the test split (eval mode, no auxiliary head).</summary>
    public double TestAcc { get; init; }
    public double TestLoss { get; init; }

    /// <summary>Learning rate at the epoch's last step, and the drop-path probability the epoch trained with.</summary>
    public double Lr { get; init; }
    public double DropPath { get; init; }
    public int Steps { get; init; }
    public long Images { get; init; }

    /// <summary>Wall time of the training steps alone, and of the whole epoch with the test.</summary>
    public double StepSeconds { get; init; }
    public double Seconds { get; init; }
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
