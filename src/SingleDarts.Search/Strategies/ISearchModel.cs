using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Strategies;

/// <summary>What a search strategy needs of a model: weights w, architecture parameters α (and β), a forward pass.</summary>
public interface ISearchModel : IDisposable
{
    /// <summary>The network weights w (stepped by SGD).</summary>
    IReadOnlyList<Parameter> Weights { get; }

    /// <summary>The names of <see cref="Weights"/>, in the same order (for messages).</summary>
    IReadOnlyList<string> WeightNames { get; }

    /// <summary>The architecture parameters α (rows × operations).</summary>
    Parameter Alphas { get; }

    /// <summary>Every architecture parameter, stepped by Adam: α first, then β of edge normalisation where the method has it.</summary>
    IReadOnlyList<Parameter> ArchParameters { get; }

    /// <summary>Running statistics and other non-trained state (BatchNorm buffers).</summary>
    IReadOnlyList<(string Name, Tensor Tensor)> Buffers { get; }

    bool Training { get; set; }

    /// <summary>Logits for a batch of images under the current α.</summary>
    Tensor Forward(Tensor x);

    /// <summary>
    /// Until disposed, every forward runs under relaxed weights perturbed by δ ~ U(−ε, ε) drawn now (SDARTS-RS:
    /// the w step only); ε = 0 changes nothing.
    /// </summary>
    IDisposable Perturb(double epsilon);

    /// <summary>
    /// Until disposed, a forward draws nothing: a sampling relaxation runs its deterministic, differentiable weights
    /// (Gumbel: softmax(α); Dirichlet: its mean) — for diagnostics that must not consume the search's draws.
    /// Softmax and sigmoid are unchanged.
    /// </summary>
    IDisposable ExpectedWeights();
}

/// <summary>The method's parts a step applies, as they stand this epoch (schedules evaluated by the run at the epoch's start).</summary>
/// <param name="Perturbation">SDARTS-RS: ε of the w step's perturbation (0: none).</param>
/// <param name="BetaDecay">β-DARTS: the weight of the β-decay regulariser in α's loss (0: none).</param>
/// <param name="DirichletKl">DrNAS: the scale of the KL regulariser in α's loss (0: none).</param>
public sealed record StepParts(double Perturbation = 0, double BetaDecay = 0, double DirichletKl = 0)
{
    public static readonly StepParts None = new();
}
