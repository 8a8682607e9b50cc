using static TorchSharp.torch;

namespace SingleDarts.Search.Relaxations;

/// <summary>How α becomes operation weights.</summary>
public enum Relaxation
{
    /// <summary>DARTS: softmax over the operations of each edge.</summary>
    Softmax,

    /// <summary>Each operation weighted independently by σ(α) (the variant of the Single-DARTS precursor).</summary>
    Sigmoid,

    /// <summary>GDAS: one operation per edge sampled by Gumbel-softmax, hard one-hot forward, straight-through gradient (<see cref="GumbelSoftmax"/>).</summary>
    Gumbel,

    /// <summary>DrNAS: the weights of each edge drawn from a Dirichlet with concentration elu(α) + 1, pathwise gradient (<see cref="DirichletRelaxation"/>).</summary>
    Dirichlet,
}

public static class RelaxationExtensions
{
    /// <summary>Whether each forward draws its weights (the sampled relaxations) rather than computing them from α.</summary>
    public static bool Samples(this Relaxation relaxation) => relaxation is Relaxation.Gumbel or Relaxation.Dirichlet;

    /// <summary>
    /// The deterministic weights of α: softmax or σ; for the sampled relaxations what they are centred on —
    /// Gumbel: softmax(α) (GDAS derives and reports it); Dirichlet: the Dirichlet's mean, elu(α) + 1 normalised.
    /// </summary>
    public static Tensor Apply(this Relaxation relaxation, Tensor alphas) => relaxation switch
    {
        Relaxation.Softmax or Relaxation.Gumbel => nn.functional.softmax(alphas, -1),
        Relaxation.Sigmoid => nn.functional.sigmoid(alphas),
        Relaxation.Dirichlet => DirichletMean(alphas),
        _ => throw new ArgumentOutOfRangeException(nameof(relaxation)),
    };

    private static Tensor DirichletMean(Tensor alphas)
    {
        using var scope = NewDisposeScope();
        var beta = DirichletRelaxation.Concentration(alphas);
        return beta.div(beta.sum(-1, keepdim: true)).MoveToOuterDisposeScope();
    }

    public static string ToOption(this Relaxation relaxation) => relaxation.ToString().ToLowerInvariant();
}
