using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Optim;

public static class GradClip
{
    /// <summary>
    /// PyTorch's clip_grad_norm_ (L2): scales the gradients in place by max/(‖g‖+1e-6) when that is
    /// below 1. Returns the total norm before clipping.
    /// </summary>
    public static double ClipByGlobalNorm(IReadOnlyList<Tensor> grads, double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var total = stack(grads.Select(g => g.norm()).ToArray()).norm().ToDouble();
        var coef = maxNorm / (total + 1e-6);
        if (coef < 1)
        {
            using var scale = coef.ToScalar();
            foreach (var g in grads) g.mul_(scale);
        }
        return total;
    }
}
