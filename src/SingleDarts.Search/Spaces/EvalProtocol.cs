namespace SingleDarts.Search.Spaces;

/// <summary>
/// How a space's genotypes are trained from scratch by its authors (<c>evaluate</c>'s defaults): the
/// evaluation network's size and its training. Data, seed and threads are the run's own.
/// </summary>
public sealed record EvalProtocol
{
    public int Channels { get; init; }
    public int Cells { get; init; }
    public int Epochs { get; init; }
    public int BatchSize { get; init; }
    public double Lr { get; init; }
    public double LrMin { get; init; }
    public double Momentum { get; init; }
    public bool Nesterov { get; init; }
    public double WeightDecay { get; init; }
    public double GradClip { get; init; }
    public double AuxiliaryWeight { get; init; }
    public double DropPath { get; init; }
    public int Cutout { get; init; }
}
