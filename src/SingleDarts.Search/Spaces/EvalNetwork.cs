using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces;

/// <summary>
/// A space's evaluation network: one fixed genotype, trained from scratch. <see cref="Forward"/>
/// returns the logits and, in training mode with an auxiliary head, the auxiliary logits.
/// </summary>
public abstract class EvalNetwork(string name) : nn.Module(name)
{
    /// <summary>Probability with which drop-path zeroes a non-identity edge of a cell during training (0: off).</summary>
    public double DropPathProb { get; set; }

    /// <summary>Whether the network has an auxiliary classifier (its weights count in <see cref="AllWeightCount"/> only).</summary>
    public abstract bool HasAuxiliary { get; }

    /// <param name="x">images [B, 3, H, W].</param>
    public abstract (Tensor Logits, Tensor? Auxiliary) Forward(Tensor x);

    /// <summary>Trainable weights without the auxiliary head (the size papers report).</summary>
    public long WeightCount => named_parameters().Where(p => !p.name.StartsWith(AuxiliaryPrefix, StringComparison.Ordinal)).Sum(p => p.parameter.numel());

    /// <summary>Every trainable weight, the auxiliary head's included.</summary>
    public long AllWeightCount => parameters().Sum(p => p.numel());

    /// <summary>
    /// The Python expression that builds the reference implementation's network of this shape and genotype, whose
    /// state_dict has the names <c>ReferenceStateDict</c> gives ours (e.g. <c>TinyNetwork(16, 5, Structure.str2structure('|…|'), 10)</c>).
    /// </summary>
    public abstract string ReferenceModel { get; }

    /// <summary>The auxiliary head's module name: its parameters are named <c>auxiliary_head.*</c>.</summary>
    public const string AuxiliaryPrefix = "auxiliary_head.";
}

/// <summary>Drop-path (DARTS' <c>drop_path</c>): zeroes whole samples of an edge's output with probability p, scales the rest by 1/(1−p).</summary>
public static class DropPath
{
    public static Tensor Apply(Tensor x, double prob, Generator generator)
    {
        if (prob <= 0) return x;
        using var scope = NewDisposeScope();
        var keep = 1 - prob;
        using var keepScalar = keep.ToScalar();
        var mask = empty([x.shape[0], 1, 1, 1], x.dtype, x.device);
        mask.bernoulli_(keep, generator);
        return x.div(keepScalar).mul_(mask).MoveToOuterDisposeScope();
    }
}
