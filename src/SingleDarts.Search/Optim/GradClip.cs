using SingleDarts.Search.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Optim;

public static class GradClip
{
    /// <summary>The L2 norm of all gradients together (NaN or ∞ when any of them is).</summary>
    public static double GlobalNorm(IReadOnlyList<Tensor> grads)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Scalars.ValueOf(stack(grads.Select(g => g.norm()).ToArray()).norm());
    }

    /// <summary>
    /// PyTorch's clip_grad_norm_ (L2): scales the gradients in place by max/(‖g‖+1e-6) when that is
    /// below 1. <paramref name="total"/> is their <see cref="GlobalNorm"/>.
    /// </summary>
    public static void Clip(IReadOnlyList<Tensor> grads, double maxNorm, double total)
    {
        var coef = maxNorm / (total + 1e-6);
        if (coef >= 1) return;
        using var _ = no_grad();
        using var scale = coef.ToScalar();
        foreach (var g in grads) g.mul_(scale);
    }

    /// <summary>Clips as <see cref="Clip"/> and returns the total norm before clipping.</summary>
    public static double ClipByGlobalNorm(IReadOnlyList<Tensor> grads, double maxNorm)
    {
        var total = GlobalNorm(grads);
        Clip(grads, maxNorm, total);
        return total;
    }
}
