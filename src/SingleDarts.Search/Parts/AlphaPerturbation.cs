using SingleDarts.Search.Nn;
using SingleDarts.Search.Relaxations;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Parts;

/// <summary>
/// SDARTS-RS: the network weights w are trained under randomly perturbed architecture weights, the
/// architecture step is not perturbed. Smooths the loss landscape with respect to the architecture
/// (an implicit penalty on the Hessian of the validation loss).
/// <para>
/// Reference: xiangning-chen/SmoothDARTS, attacker/perturb.py (<c>Random_alpha</c>), nasbench201/
/// model.py and sota/cnn/model_search.py (<c>softmax_arch_parameters</c>, <c>clip</c>,
/// <c>restore_arch_parameters</c>, forward with <c>updateType='weight'</c>), nasbench201/train_search.py
/// and sota/cnn/train_search.py (<c>train</c>, the ε schedule). Per step: (1) the α step, unperturbed;
/// (2) α is saved and overwritten by softmax(α); (3) δ ~ U(−ε, ε) elementwise, <b>added to the
/// softmax weights, not to α</b>, drawn anew every step; (4) <c>clip</c>, per row: clamp to [0, 1], a row
/// that became all zero gets 1 at the argmax of its perturbed values, then divide by the row sum (back
/// onto the simplex); (5) the w step with these weights used directly (no second softmax); (6) α restored.
/// </para>
/// <para>
/// Defaults, the same in NAS-Bench-201 and the DARTS space: <c>--epsilon_alpha</c> 0.3 is the final ε;
/// ε grows linearly per epoch, ε_e = 0.03 + (0.3 − 0.03)·e/E for epochs e = 0…E−1 (so 0.03 at the first
/// epoch and 0.2946 at the last of 50); E = 100 in the NB201 script, 50 in the DARTS-space one. The
/// perturbation is on by <c>--perturb_alpha=random</c>; the PC-DARTS variant of their DARTS-space search
/// (sota/cnn/train_search_pcdarts.py) never perturbs.
/// </para>
/// <para>
/// What we do differently. (a) δ comes from a given <see cref="Generator"/> (the reference uses the
/// global RNG). (b) Under the σ relaxation (not in the reference) the perturbed weights are clamped to
/// [0, 1] and not renormalised, since σ weights do not sum to one. (c) <see cref="Apply"/> works on a
/// model whose forward applies the relaxation to α itself: it writes α := log(p̃) (softmax) or
/// logit(p̃) (σ), whose relaxation gives back p̃ up to rounding; zeros are floored (p̃ ≥ 1e-30 for the
/// log, p̃ ∈ [1e-6, 1 − 1e-6] for the logit) so that α stays finite. Where the forward can be fed
/// relaxed weights directly, use <see cref="PerturbRelaxed"/> and leave α alone.
/// </para>
/// </summary>
public static class AlphaPerturbation
{
    /// <summary>SDARTS's <c>--epsilon_alpha</c>: ε at the end of the schedule.</summary>
    public const double DefaultEpsilon = 0.3;

    /// <summary>ε at epoch 0 (hard-coded in the reference).</summary>
    public const double StartEpsilon = 0.03;

    private const double LogFloor = 1e-30, LogitFloor = 1e-6;

    /// <summary>ε for epoch <paramref name="epoch"/> (0-based) of <paramref name="epochs"/>: start + (max − start)·epoch/epochs.</summary>
    public static double Epsilon(int epoch, int epochs, double max = DefaultEpsilon, double start = StartEpsilon)
    {
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), "at least one epoch");
        return start + (max - start) * epoch / epochs;
    }

    /// <summary>
    /// δ ~ U(−ε, ε) with the shape, dtype and device of <paramref name="like"/>, drawn on the CPU from
    /// <paramref name="generator"/> (so a seed gives the same δ on every device).
    /// </summary>
    public static Tensor Draw(Tensor like, double epsilon, Generator generator)
    {
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), "ε must be non-negative");
        using var scope = NewDisposeScope();
        var u = rand(like.shape, dtype: like.dtype, generator: generator);
        using var twoEps = (2 * epsilon).ToScalar();
        using var eps = epsilon.ToScalar();
        var delta = u.mul(twoEps).sub_(eps);   // [0, 1) → [−ε, ε)
        return delta.to(like.device).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// p̃ = clip(p + δ) per row as SDARTS's <c>clip</c>: softmax — clamp to [0, 1], an all-zero row
    /// gets 1 at the argmax of p + δ, divide by the row sum; σ — clamp to [0, 1].
    /// </summary>
    /// <param name="relaxed">relaxed weights p [rows, ops].</param>
    /// <param name="delta">the perturbation, same shape.</param>
    public static Tensor PerturbRelaxed(Tensor relaxed, Tensor delta, Relaxation relaxation = Relaxation.Softmax)
    {
        using var scope = NewDisposeScope();
        using var zero = 0.0.ToScalar();
        using var one = 1.0.ToScalar();
        var p = relaxed.add(delta, Scalars.One);
        var clamped = p.clamp(zero, one);
        if (relaxation == Relaxation.Sigmoid) return clamped.MoveToOuterDisposeScope();
        var top = p.argmax(-1, keepdim: true);
        var oneHot = zeros_like(clamped).scatter_(-1, top, ones(top.shape, clamped.dtype, clamped.device));
        var sum = clamped.sum(-1, keepdim: true);
        var empty = sum.eq(zero);
        var rows = where(empty, oneHot, clamped);
        var sums = where(empty, ones_like(sum), sum);
        return rows.div(sums).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Perturbs α in place for the w step: draws δ, computes p̃ = <see cref="PerturbRelaxed"/>(relax(α), δ)
    /// and writes the α whose relaxation is p̃. Dispose the result (after the w step's optimiser step)
    /// to put the saved α back bit for bit.
    /// </summary>
    public static PerturbedAlphas Apply(Parameter alphas, Relaxation relaxation, double epsilon, Generator generator)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var saved = alphas.detach().clone();
        var delta = Draw(alphas, epsilon, generator);
        var perturbed = PerturbRelaxed(relaxation.Apply(alphas), delta, relaxation);
        Tensor logits;
        if (relaxation == Relaxation.Softmax)
        {
            using var floor = LogFloor.ToScalar();
            logits = perturbed.clamp_min(floor).log();
        }
        else
        {
            using var lo = LogitFloor.ToScalar();
            using var hi = (1 - LogitFloor).ToScalar();
            logits = perturbed.clamp(lo, hi).logit();
        }
        alphas.copy_(logits);
        return new PerturbedAlphas(alphas, saved.DetachFromDisposeScope(), delta.DetachFromDisposeScope(), perturbed.DetachFromDisposeScope());
    }
}

/// <summary>α while perturbed for one w step; disposing it restores the saved α exactly.</summary>
public sealed class PerturbedAlphas : IDisposable
{
    private readonly Parameter alphas;
    private readonly Tensor saved;
    private bool restored;

    internal PerturbedAlphas(Parameter alphas, Tensor saved, Tensor delta, Tensor weights)
    {
        this.alphas = alphas;
        this.saved = saved;
        Delta = delta;
        Weights = weights;
    }

    /// <summary>The draw δ ∈ [−ε, ε] (rows × ops).</summary>
    public Tensor Delta { get; }

    /// <summary>The perturbed relaxed weights p̃ the w step runs under.</summary>
    public Tensor Weights { get; }

    /// <summary>Writes the saved α back (idempotent).</summary>
    public void Restore()
    {
        if (restored) return;
        using (no_grad()) alphas.copy_(saved);
        restored = true;
    }

    public void Dispose()
    {
        Restore();
        saved.Dispose();
        Delta.Dispose();
        Weights.Dispose();
    }
}
