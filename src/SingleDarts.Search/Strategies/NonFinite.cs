using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Strategies;

/// <summary>
/// A loss or gradient of a step is NaN or infinite. Thrown before anything is stepped with it, so
/// the weights and α stay as the last good step left them; the run reports it with epoch and step.
/// </summary>
public sealed class NonFiniteException(string what) : Exception(what)
{
    /// <summary>What became non-finite, e.g. "the gradient of α became NaN".</summary>
    public string What { get; } = what;
}

/// <summary>The checks a step runs on its losses and gradients (cheap: one norm it needs anyway).</summary>
public static class NonFinite
{
    /// <summary>The loss as a number; throws when it is NaN or infinite.</summary>
    public static double Loss(Tensor loss, string name)
    {
        var value = Nn.Scalars.ValueOf(loss);
        if (!double.IsFinite(value)) throw new NonFiniteException($"the {name} became {Describe(value)}");
        return value;
    }

    /// <summary>Throws when <paramref name="norm"/> (the global norm of <paramref name="grads"/>) is not finite, naming the first tensor at fault.</summary>
    public static void Gradients(double norm, IReadOnlyList<Tensor> grads, string group, Func<int, string> nameOf)
    {
        if (double.IsFinite(norm)) return;
        var (index, kind) = FirstNonFinite(grads);
        var where = index >= 0 ? $" (first in {nameOf(index)})" : "";
        throw new NonFiniteException($"the gradient of {group} became {kind ?? Describe(norm)}{where}");
    }

    /// <summary>Index of the first tensor holding NaN or ±Inf, and which; (-1, null) when all are finite.</summary>
    public static (int Index, string? Kind) FirstNonFinite(IReadOnlyList<Tensor> tensors)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (var i = 0; i < tensors.Count; i++)
        {
            if (tensors[i].isnan().any().item<bool>()) return (i, "NaN");
            if (tensors[i].isinf().any().item<bool>()) return (i, "Inf");
        }
        return (-1, null);
    }

    private static string Describe(double value) => double.IsNaN(value) ? "NaN" : "Inf";
}
