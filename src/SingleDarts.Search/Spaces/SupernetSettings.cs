using SingleDarts.Search.Relaxations;

namespace SingleDarts.Search.Spaces;

/// <summary>
/// What a space builds its supernet from: its size, and the parts of the method that change the network (partial
/// channels, edge normalisation's β, DARTS-'s auxiliary skip connections) or how α becomes weights (the relaxation).
/// </summary>
public sealed record SupernetSettings
{
    public int Channels { get; init; } = 16;
    public int Cells { get; init; } = 5;
    public int Classes { get; init; } = 10;
    public Relaxation Relaxation { get; init; } = Relaxation.Softmax;

    /// <summary>PC-DARTS' K: 1/K of each edge's channels go through its operations (1: all).</summary>
    public int PartialChannels { get; init; } = 1;

    /// <summary>PC-DARTS' edge normalisation: a β per edge (drawn after α, 1e-3·N(0,1)), softmax over the edges into each node.</summary>
    public bool EdgeNormalization { get; init; }

    /// <summary>DARTS-: an auxiliary skip connection on every edge (identity, or a FactorizedReduce on stride-2 edges).</summary>
    public bool AuxiliarySkip { get; init; }

    /// <summary>GDAS' τ schedule (the Gumbel relaxation only).</summary>
    public double TauMax { get; init; } = GumbelSoftmax.TauMax;
    public double TauMin { get; init; } = GumbelSoftmax.TauMin;
}

/// <summary>
/// The architecture weights of one forward: the relaxed operation weights (softmax, σ, a Gumbel-softmax hard draw, a
/// Dirichlet draw; perturbed in an SDARTS-RS w step), the operation each row computes when the relaxation samples one
/// (GDAS), the per-row edge weights of edge normalisation, and DARTS-'s auxiliary skip coefficient this epoch.
/// </summary>
public sealed record ArchWeights(TorchSharp.torch.Tensor Ops, long[]? Sampled, TorchSharp.torch.Tensor? Edges, double AuxiliarySkip);
