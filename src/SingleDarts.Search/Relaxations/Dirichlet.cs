using SingleDarts.Search.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Relaxations;

/// <summary>
/// DrNAS (Chen et al., ICLR 2021): the operation weights of each edge are a draw from a Dirichlet
/// distribution whose concentration is learnt through a pathwise (reparameterisation) gradient.
/// <para>
/// Reference: xiangning-chen/DrNAS, NAS-Bench-201 setting <c>201-space/</c>: <c>search_model.py</c>
/// (<c>TinyNetwork</c>: species 'dirichlet', <c>_get_kl_reg</c>), <c>utils.py</c>
/// (<c>process_step_vector</c>: <c>Dirichlet(F.elu(α) + 1).rsample()</c> per edge, a fresh draw in
/// every forward, evaluation included), <c>train_search.py</c>, <c>architect.py</c>. Defaults there:
/// β = elu(α) + 1; α = 1e-3·N(0,1); Adam lr 3e-4, betas (0.5, 0.999); 100 epochs;
/// <c>reg_type</c> 'l2' by default, which is Adam weight decay <c>reg_scale</c> = 1e-3 on α (no loss term);
/// with 'kl' the α loss gains reg_scale·Σ_edges KL(Dir(β) ‖ Dir(1)) and Adam's weight decay is 0
/// (the help text: "for kl you might adjust reg_scale to match l2"); <c>k</c> = 1, i.e. no partial
/// channels, and no pruning (<c>train_search_progressive.py</c> is the separate progressive variant:
/// k 4 → 2, 5 → 3 operations kept, 50 + 50 epochs). The genotype is argmax α per edge.
/// </para>
/// <para>
/// How, and what differs: libtorch samples (<c>torch._sample_dirichlet</c>: Gamma draws normalised,
/// from the caller's generator — TorchSharp's <c>Dirichlet.rsample</c> wraps it, but libtorch
/// implements no derivative for it, and TorchSharp's <c>Gamma.rsample</c> detaches). The gradient is
/// attached here as PyTorch's <c>Dirichlet.rsample</c> defines it (Jankowiak &amp; Obermeyer 2018):
/// ∂x_j/∂β_i = g_i·(δ_ij − x_j), g_i = (dx/da of x_i ~ Beta(β_i, Σβ − β_i))/(1 − x_i), computed in
/// float64 by <see cref="ImplicitBeta"/> (our own continued-fraction form, not PyTorch's
/// approximations). A zero-valued surrogate carries it: x = x̂ + g⊙δ − x̂·Σ(g⊙δ) with
/// δ = β − β.detach(), so the value is the draw bit for bit. Differentiating through
/// <c>_standard_gamma</c> (which has a libtorch derivative, and gives the same x from the same
/// generator state) would be a valid pathwise gradient too, with the same mean, but it is not the
/// reference's estimator and is noisier: 1.0–2× the per-sample variance on small β in our check.
/// </para>
/// </summary>
public static class DirichletRelaxation
{
    /// <summary>DrNAS's <c>reg_scale</c>.</summary>
    public const double DefaultRegScale = 1e-3;

    /// <summary>β = elu(α) + 1 &gt; 0, elementwise.</summary>
    public static Tensor Concentration(Tensor alphas)
    {
        using var scope = NewDisposeScope();
        // elu with α = scale = input_scale = 1, given as owned Scalars: TorchSharp's elu(double) makes three it never disposes
        return alphas.elu(Scalars.One, Scalars.One, Scalars.One).add(Scalars.One, Scalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One Dirichlet draw per row of <paramref name="concentration"/> [..., ops] from
    /// <paramref name="generator"/> (on β's device), with the pathwise gradient w.r.t. β when
    /// gradients are on. The implicit gradient is computed on the host: one small transfer per call.
    /// </summary>
    public static Tensor Sample(Tensor concentration, Generator generator)
    {
        using var scope = NewDisposeScope();
        var beta = concentration.detach();
        var x = _sample_dirichlet(beta, generator);
        if (!concentration.requires_grad || !is_grad_enabled()) return x.MoveToOuterDisposeScope();
        var g = PathwiseFactors(x, beta);
        var moved = g.mul(concentration.sub(beta)); // zero-valued, ∂/∂β_i = g_i
        return x.add(moved, Scalars.One).sub(x.mul(moved.sum(-1, keepdim: true))).MoveToOuterDisposeScope();
    }

    /// <summary>The draw for α directly: <see cref="Sample"/>(elu(α) + 1).</summary>
    public static Tensor SampleFromAlphas(Tensor alphas, Generator generator)
    {
        using var scope = NewDisposeScope();
        return Sample(Concentration(alphas), generator).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// KL(Dir(β) ‖ Dir(anchor)) per row, [rows]: lnΓ(β₀) − Σ lnΓ(β) − lnΓ(b₀) + Σ lnΓ(b) + Σ (β − b)(ψ(β) − ψ(β₀)),
    /// with b = <paramref name="anchor"/> (all ones when null, as in DrNAS), β₀ = Σβ, b₀ = Σb.
    /// </summary>
    public static Tensor KlDivergence(Tensor concentration, Tensor? anchor = null)
    {
        using var scope = NewDisposeScope();
        var b = anchor ?? ones_like(concentration);
        var a0 = concentration.sum(-1, keepdim: true);
        var b0 = b.sum(-1);
        var logNormalisers = a0.squeeze(-1).lgamma().sub(concentration.lgamma().sum(-1))
            .sub(b0.lgamma()).add(b.lgamma().sum(-1), Scalars.One);
        var cross = concentration.sub(b).mul(concentration.digamma().sub(a0.digamma())).sum(-1);
        return logNormalisers.add(cross, Scalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>DrNAS's 'kl' regulariser: scale·Σ_rows KL(Dir(elu(α) + 1) ‖ Dir(1)), a scalar to add to the α loss.</summary>
    public static Tensor KlRegulariser(Tensor alphas, double scale = DefaultRegScale)
    {
        using var scope = NewDisposeScope();
        using var s = scale.ToScalar();
        return KlDivergence(Concentration(alphas)).sum().mul(s).MoveToOuterDisposeScope();
    }

    /// <summary>g per element (see <see cref="ImplicitBeta.DirichletFactor"/>), as a tensor like <paramref name="x"/>.</summary>
    private static Tensor PathwiseFactors(Tensor x, Tensor beta)
    {
        using var scope = NewDisposeScope();
        var k = (int)x.shape[^1];
        var xs = x.cpu().to(float64).contiguous().data<double>().ToArray();
        var bs = beta.cpu().to(float64).contiguous().data<double>().ToArray();
        var g = new double[xs.Length];
        for (var row = 0; row < xs.Length; row += k)
        {
            var total = 0.0;
            for (var i = row; i < row + k; i++) total += bs[i];
            for (var i = row; i < row + k; i++)
            {
                g[i] = ImplicitBeta.DirichletFactor(xs[i], bs[i], total);
                if (!double.IsFinite(g[i]))
                    throw new ArithmeticException($"Dirichlet pathwise gradient {g[i]} at x = {xs[i]}, β = {bs[i]}, Σβ = {total}");
            }
        }
        return tensor(g, x.shape, float64).to(x.dtype, x.device).MoveToOuterDisposeScope();
    }
}
