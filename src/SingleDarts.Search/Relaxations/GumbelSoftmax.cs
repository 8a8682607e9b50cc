using SingleDarts.Search.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Relaxations;

/// <summary>
/// GDAS (Dong &amp; Yang, CVPR 2019): per edge, one operation is sampled by the Gumbel-max trick and
/// only it is computed; α still gets a gradient through a straight-through softmax.
/// <para>
/// Reference: D-X-Y/AutoDL-Projects, <c>xautodl/models/cell_searchs/search_model_gdas.py</c>
/// (<c>TinyNetworkGDAS.forward</c>; the same sampler in <c>search_model_gdas_nasnet.py</c> for the
/// DARTS space, one call per α matrix) and <c>exps/NAS-Bench-201-algos/GDAS.py</c> (τ per epoch).
/// Per row e of α [edges × ops]:
/// g = −log(E), E ~ Exp(1) (a Gumbel(0,1) draw); logits = (log_softmax(α_e) + g)/τ;
/// p = softmax(logits); i = argmax p; hard = one_hot(i) − p.detach() + p.
/// The whole draw is repeated while g or p is not finite. Defaults of the reference
/// (<c>scripts-search/NAS-Bench-201-algos/GDAS.sh</c>, <c>configs/nas-benchmark/algos/GDAS.config</c>):
/// τ_max = 10, τ_min = 0.1, τ = τ_max − (τ_max − τ_min)·epoch/(epochs − 1) set at the start of each
/// epoch over 250 epochs; α = 1e-3·N(0,1), Adam lr 3e-4, betas (0.5, 0.999), weight decay 1e-3.
/// </para>
/// <para>
/// What we do differently, deliberately: every draw comes from the caller's generator (our
/// one-generator-per-seed rule; the reference uses the global RNG); the resampling loop gives up
/// after <see cref="MaxAttempts"/> draws and throws (the reference loops forever when α itself is
/// NaN); a single-epoch schedule stays at τ_max (the reference divides by zero).
/// </para>
/// </summary>
public static class GumbelSoftmax
{
    public const double TauMax = 10.0, TauMin = 0.1;

    /// <summary>Draws of non-finite Gumbel noise or probabilities tolerated before giving up.</summary>
    public const int MaxAttempts = 100;

    /// <summary>
    /// τ of a 0-based <paramref name="epoch"/> out of <paramref name="epochs"/>: linear from
    /// <paramref name="tauMax"/> at the first epoch to <paramref name="tauMin"/> at the last
    /// (AutoDL's GDAS.py, constant within an epoch).
    /// </summary>
    public static double Tau(int epoch, int epochs, double tauMax = TauMax, double tauMin = TauMin)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(epoch, epochs);
        return epochs == 1 ? tauMax : tauMax - (tauMax - tauMin) * epoch / (epochs - 1);
    }

    /// <summary>
    /// One Gumbel-softmax draw for every row of <paramref name="alphas"/> [edges × ops], all noise
    /// from <paramref name="generator"/> (which must live on α's device).
    /// </summary>
    public static GumbelSample Sample(Tensor alphas, double tau, Generator generator) =>
        Sample(alphas, tau, () => empty(alphas.shape, dtype: alphas.dtype, device: alphas.device).exponential_(1.0, generator));

    /// <summary>The sampler with the Exp(1) draws supplied (tests feed it non-finite draws).</summary>
    internal static GumbelSample Sample(Tensor alphas, double tau, Func<Tensor> exponentialDraws)
    {
        if (alphas.dim() != 2) throw new ArgumentException($"α must be [edges, ops], got [{string.Join(", ", alphas.shape)}]", nameof(alphas));
        if (!(tau > 0) || double.IsInfinity(tau)) throw new ArgumentOutOfRangeException(nameof(tau), tau, "τ must be a positive number");
        using var tauScalar = tau.ToScalar();
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            using var scope = NewDisposeScope();
            var gumbels = exponentialDraws().log_().neg_();
            var logits = alphas.log_softmax(-1).add(gumbels, Scalars.One).div(tauScalar);
            var probs = logits.softmax(-1);
            // isinf(g) or isinf(p) or isnan(p) in the reference; a NaN g shows up in p
            if (!gumbels.isinf().any().item<bool>() && probs.isfinite().all().item<bool>())
            {
                var index = probs.argmax(-1);
                var oneHot = nn.functional.one_hot(index, alphas.shape[1]).to(probs.dtype);
                // values exactly one-hot ((1 − p) + p rounds to 1, −p + p is 0); gradient of p
                var hard = oneHot.sub(probs.detach()).add(probs, Scalars.One);
                var indices = index.cpu().data<long>().ToArray();
                return new GumbelSample(hard.MoveToOuterDisposeScope(), index.MoveToOuterDisposeScope(),
                    probs.MoveToOuterDisposeScope(), indices);
            }
        }
        throw new ArithmeticException($"Gumbel-softmax: no finite draw in {MaxAttempts} attempts (is α finite? τ = {tau})");
    }

    /// <summary>
    /// The output of one GDAS edge: the sampled operation's output times its (straight-through)
    /// weight — the value is exactly <paramref name="sampledOutput"/>. With
    /// <paramref name="unsampledTerms"/> the unsampled operations' weights are added as terms whose
    /// value is 0, as AutoDL's NAS-Bench-201 cell does (<c>NAS201SearchCell.forward_gdas</c> in
    /// <c>xautodl/models/cell_searchs/search_cells.py</c>; issue #36 there): each then receives
    /// ∂L/∂w_j = Σ ∂L/∂output, so all of the edge's α get a data-dependent gradient. Without it,
    /// only the sampled weight carries a gradient (∂L/∂w_i = ⟨∂L/∂output, op_i(x)⟩), as in AutoDL's
    /// DARTS-space <c>MixedOp.forward_gdas</c> and <c>forward_gdas_v1</c>.
    /// </summary>
    /// <param name="hard">the sample's hard weights [edges × ops].</param>
    /// <param name="edge">the row of <paramref name="hard"/>.</param>
    /// <param name="index">the sampled operation of that row.</param>
    /// <param name="sampledOutput">op_index(x), the only operation computed.</param>
    public static Tensor EdgeOutput(Tensor hard, long edge, long index, Tensor sampledOutput, bool unsampledTerms)
    {
        using var scope = NewDisposeScope();
        var row = hard[edge];
        var weight = row[index];
        var output = sampledOutput.mul(weight);
        if (unsampledTerms)
            output = output.add(row.sum().sub(weight), Scalars.One); // 1 − 1 = 0 exactly
        return output.MoveToOuterDisposeScope();
    }
}

/// <summary>One Gumbel-softmax draw of every edge.</summary>
/// <param name="Hard">[edges × ops]: exactly one-hot, with the gradient of <paramref name="Probs"/> (straight through).</param>
/// <param name="Index">[edges] (int64): the sampled operation of each edge.</param>
/// <param name="Probs">[edges × ops]: softmax((log_softmax(α) + g)/τ), the soft weights.</param>
/// <param name="Indices"><paramref name="Index"/> on the host, to choose which operation to compute.</param>
public sealed record GumbelSample(Tensor Hard, Tensor Index, Tensor Probs, long[] Indices) : IDisposable
{
    public void Dispose()
    {
        Hard.Dispose();
        Index.Dispose();
        Probs.Dispose();
    }
}
