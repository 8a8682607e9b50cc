using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces;

/// <summary>How α becomes operation weights.</summary>
public enum Relaxation
{
    /// <summary>DARTS: softmax over the operations of each edge.</summary>
    Softmax,

    /// <summary>Each operation weighted independently by σ(α) (the variant of the Single-DARTS precursor).</summary>
    Sigmoid,
}

public static class RelaxationExtensions
{
    public static Tensor Apply(this Relaxation relaxation, Tensor alphas) => relaxation switch
    {
        Relaxation.Softmax => nn.functional.softmax(alphas, -1),
        Relaxation.Sigmoid => nn.functional.sigmoid(alphas),
        _ => throw new ArgumentOutOfRangeException(nameof(relaxation)),
    };

    public static string ToOption(this Relaxation relaxation) => relaxation.ToString().ToLowerInvariant();
}
