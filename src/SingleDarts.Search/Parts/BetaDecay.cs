using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Parts;

/// <summary>
/// β-DARTS's Beta-Decay regularisation of the architecture parameters: add λ·L_β to the α loss, with
/// L_β = mean over edges e of logsumexp_op(α_{e,op}). Its gradient ∂L_β/∂α_{e,op} = softmax(α_e)_op / E
/// pulls each row down hardest where its softmax is largest, keeping the activated weights' value and
/// spread small; softmax is shift-invariant, so the forward weights do not see the uniform part.
/// <para>
/// Reference: Sunshine-Ye/Beta-DARTS, optimizers/darts/architect.py: <c>mlc_loss</c> =
/// <c>torch.mean(torch.logsumexp(arch_param, dim=-1))</c>, added in <c>_backward_step</c> as
/// <c>loss = val_loss + weights·mlc_loss(α)</c> with <c>weights = 0 + 50*epoch/100</c> (epoch 0-based,
/// the divisor a constant, not the epoch count). Only the first-order α step carries it: the unrolled
/// (second-order) path of the same file does not add it. The architect's Adam is DARTS's (lr 3e-4,
/// betas (0.5, 0.999), weight decay 1e-3).
/// </para>
/// <para>
/// Defaults. NAS-Bench-201 (nasbench201/train_search.py, the one search that passes the epoch to the
/// architect): α 6×5, so L_β averages 6 rows; λ_e = 50·e/100 = 0.5·e, with the script's 100 epochs
/// 0 → 49.5, with a 50-epoch search 0 → 24.5. DARTS space: the repository's sota/cnn/train_search.py
/// calls <c>architect.step</c> without the epoch, so its published DARTS-space search cannot run this
/// architect as committed; no DARTS-space λ can be read from the code. With our single 28×8 α (normal
/// rows, then reduce rows), L_β is the mean over all 28 rows = the average of the two cells' means.
/// </para>
/// <para>
/// What we do differently: λ's schedule is parameterised (<see cref="Weight"/>: max and horizon, the
/// reference's 50 and 100 by default). With the σ relaxation (not in the reference) the same function
/// is computed, though its "softmax-activated" reading no longer holds.
/// </para>
/// </summary>
public static class BetaDecay
{
    /// <summary>The reference's λ slope numerator (λ_e = 50·e/100).</summary>
    public const double ReferenceScale = 50;

    /// <summary>The reference's λ slope denominator, fixed (not the epoch count).</summary>
    public const double ReferenceHorizon = 100;

    /// <summary>L_β(α) = mean over rows of logsumexp over the last dimension (ops).</summary>
    public static Tensor Regularizer(Tensor alphas)
    {
        using var perEdge = alphas.logsumexp(-1);
        return perEdge.mean();
    }

    /// <summary>λ for epoch <paramref name="epoch"/> (0-based): scale·epoch/horizon.</summary>
    public static double Weight(int epoch, double scale = ReferenceScale, double horizon = ReferenceHorizon)
    {
        if (!(horizon > 0)) throw new ArgumentOutOfRangeException(nameof(horizon), "the horizon must be positive");
        return scale * epoch / horizon;
    }

    /// <summary>λ·L_β(α), the term to add to the loss that α is stepped on.</summary>
    public static Tensor Term(Tensor alphas, double weight)
    {
        using var reg = Regularizer(alphas);
        using var lambda = weight.ToScalar();
        return reg.mul(lambda);
    }
}
