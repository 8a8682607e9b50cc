using SingleDarts.Search.Nn;
using SingleDarts.Search.Relaxations;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SingleDarts.Search.Tests;

/// <summary>
/// GDAS's Gumbel-softmax and DrNAS's Dirichlet relaxation against independent float64 computations
/// (by hand here, or <see cref="ReferenceMath"/>) on tiny tensors. The Dirichlet half is in
/// RelaxationFidelityTests.Dirichlet.cs.
/// </summary>
[Trait("Category", "unit")]
public partial class RelaxationFidelityTests
{
    public RelaxationFidelityTests() => TorchRuntime.Configure(Tiny.Threads);

    /// <summary>Same shape and equal elements.</summary>
    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static double[] D(Tensor t) => t.detach().cpu().to(float64).contiguous().data<double>().ToArray();

    private static Tensor Alphas(ulong seed, long edges, long ops, double scale = 1.0)
    {
        using var g = new Generator(seed, CPU);
        using var s = scale.ToScalar();
        return randn([edges, ops], dtype: float64, generator: g).mul(s);
    }

    // ---------------------------------------------------------------- Gumbel-softmax (GDAS)

    /// <summary>p = softmax((log_softmax(α) + g)/τ) per row, g = −ln e, by hand.</summary>
    private static double[] HandProbs(double[] alpha, double[] exps, int ops, double tau)
    {
        var p = new double[alpha.Length];
        for (var r = 0; r < alpha.Length; r += ops)
        {
            var max = alpha.Skip(r).Take(ops).Max();
            var lse = max + Math.Log(alpha.Skip(r).Take(ops).Sum(a => Math.Exp(a - max)));
            var z = Enumerable.Range(r, ops).Select(i => (alpha[i] - lse - Math.Log(exps[i])) / tau).ToArray();
            var zMax = z.Max();
            var sum = z.Sum(v => Math.Exp(v - zMax));
            for (var i = 0; i < ops; i++) p[r + i] = Math.Exp(z[i] - zMax) / sum;
        }
        return p;
    }

    [Theory]
    [InlineData(10.0)]
    [InlineData(0.7)]
    [InlineData(0.1)]
    public void Gumbel_sample_equals_the_formula_recomputed_from_the_same_exponential_draws(double tau)
    {
        using var scope = NewDisposeScope();
        var alphas = Alphas(1, 6, 5);
        using var g = new Generator(11, CPU);
        using var twin = new Generator(11, CPU);
        using var sample = GumbelSoftmax.Sample(alphas, tau, g);
        var exps = D(empty([6, 5], dtype: float64).exponential_(1.0, twin));

        var p = HandProbs(D(alphas), exps, 5, tau);
        var probs = D(sample.Probs);
        for (var i = 0; i < p.Length; i++) Assert.Equal(p[i], probs[i], 1e-12);
        var hard = D(sample.Hard);
        for (var e = 0; e < 6; e++)
        {
            var argmax = Enumerable.Range(0, 5).MaxBy(k => p[e * 5 + k]);
            Assert.Equal(argmax, sample.Indices[e]);
            for (var k = 0; k < 5; k++) Assert.Equal(k == argmax ? 1.0 : 0.0, hard[e * 5 + k]); // exactly
        }
        Assert.Equal(sample.Indices, sample.Index.data<long>().ToArray());
    }

    [Theory]
    [InlineData(ScalarType.Float32, 10.0)]
    [InlineData(ScalarType.Float32, 0.1)]
    [InlineData(ScalarType.Float64, 1.0)]
    public void Gumbel_forward_is_exactly_one_hot(ScalarType dtype, double tau)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(3, CPU);
        for (var draw = 0; draw < 50; draw++)
        {
            using var sample = GumbelSoftmax.Sample(Alphas((ulong)draw, 14, 8, 3.0).to(dtype), tau, g);
            Assert.Equal(dtype, sample.Hard.dtype);
            var hard = D(sample.Hard);
            for (var e = 0; e < 14; e++)
                for (var k = 0; k < 8; k++)
                    Assert.Equal(k == sample.Indices[e] ? 1.0 : 0.0, hard[e * 8 + k]);
        }
    }

    [Fact]
    public void Gumbel_straight_through_gradient_is_the_softmax_jacobian_vector_product()
    {
        using var scope = NewDisposeScope();
        const double tau = 0.5;
        var alphas = Alphas(2, 4, 5).requires_grad_();
        var c = Alphas(5, 4, 5);
        using var g = new Generator(7, CPU);
        using var sample = GumbelSoftmax.Sample(alphas, tau, g);
        var grad = D(autograd.grad([sample.Hard.mul(c).sum()], [alphas])[0]);

        // ∂/∂α_k Σ c·p = p_k(c_k − Σ c p)/τ: the log_softmax term drops out because Σ_k p_k(c_k − Σ c p) = 0
        var (p, cs) = (D(sample.Probs), D(c));
        for (var e = 0; e < 4; e++)
        {
            var mean = Enumerable.Range(0, 5).Sum(k => cs[e * 5 + k] * p[e * 5 + k]);
            for (var k = 0; k < 5; k++)
                Assert.Equal(p[e * 5 + k] * (cs[e * 5 + k] - mean) / tau, grad[e * 5 + k], 1e-12);
        }
    }

    [Fact]
    public void Tau_falls_linearly_from_tau_max_at_the_first_epoch_to_tau_min_at_the_last()
    {
        Assert.Equal(10.0, GumbelSoftmax.Tau(0, 250));
        Assert.Equal(0.1, GumbelSoftmax.Tau(249, 250), 1e-12);
        Assert.Equal(10 - 9.9 * 124 / 249, GumbelSoftmax.Tau(124, 250), 1e-12);
        Assert.Equal(5.05, GumbelSoftmax.Tau(1, 3), 1e-12);
        Assert.Equal(2.0, GumbelSoftmax.Tau(0, 1, 2.0, 1.0)); // one epoch: τ_max (the reference divides by zero)
        Assert.Throws<ArgumentOutOfRangeException>(() => GumbelSoftmax.Tau(250, 250));
    }

    [Fact]
    public void Gumbel_samples_are_bit_identical_under_the_same_generator_seed()
    {
        using var scope = NewDisposeScope();
        var alphas = Alphas(4, 6, 5).to(float32);
        using var g1 = new Generator(21, CPU);
        using var g2 = new Generator(21, CPU);
        using var other = new Generator(22, CPU);
        var differs = false;
        for (var draw = 0; draw < 5; draw++)
        {
            using var a = GumbelSoftmax.Sample(alphas, 1.0, g1);
            using var b = GumbelSoftmax.Sample(alphas, 1.0, g2);
            using var c = GumbelSoftmax.Sample(alphas, 1.0, other);
            Assert.True(Same(a.Probs, b.Probs), $"draw {draw}: probabilities differ");
            Assert.Equal(a.Indices, b.Indices);
            differs |= !Same(a.Probs, c.Probs);
        }
        Assert.True(differs, "another seed gave the same draws");
    }

    [Fact]
    public void Gumbel_resamples_non_finite_draws_and_never_returns_nan()
    {
        using var scope = NewDisposeScope();
        var alphas = Alphas(6, 3, 4);
        var good = Alphas(8, 3, 4).abs_().add_(Scalars.One, Scalars.One);
        var draws = 0;
        Tensor Draw()
        {
            draws++;
            // an Exp(1) draw of 0 gives g = +∞ (the case the reference's loop guards against)
            var e = D(good);
            if (draws == 1) e[6] = 0;
            return tensor(e, [3, 4], float64);
        }
        using var sample = GumbelSoftmax.Sample(alphas, 0.1, Draw);
        Assert.Equal(2, draws);
        var p = HandProbs(D(alphas), D(good), 4, 0.1);
        var probs = D(sample.Probs);
        for (var i = 0; i < p.Length; i++) Assert.Equal(p[i], probs[i], 1e-12);

        // extreme but finite α: still finite; non-finite α: an error after MaxAttempts, not NaN weights or a hang
        using var g = new Generator(1, CPU);
        using var big = 1e30.ToScalar();
        using var extreme = GumbelSoftmax.Sample(Alphas(9, 3, 4).to(float32).mul(big), 0.1, g);
        Assert.True(extreme.Hard.isfinite().all().item<bool>() && extreme.Probs.isfinite().all().item<bool>());
        var values = D(Alphas(9, 3, 4));
        values[0] = double.NaN;
        var nan = tensor(values, [3, 4], float64);
        Assert.Throws<ArithmeticException>(() => GumbelSoftmax.Sample(nan, 1.0, g));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Gdas_edge_output_is_the_sampled_op_and_its_alpha_gradient_follows_the_reference(bool unsampledTerms)
    {
        using var scope = NewDisposeScope();
        const double tau = 2.0;
        var alphas = Alphas(12, 3, 4).requires_grad_();
        using var g = new Generator(13, CPU);
        using var sample = GumbelSoftmax.Sample(alphas, tau, g);
        const int edge = 1;
        var index = sample.Indices[edge];
        var y = Alphas(14, 2, 3);
        var c = Alphas(15, 2, 3);
        var output = GumbelSoftmax.EdgeOutput(sample.Hard, edge, index, y, unsampledTerms);
        Assert.True(Same(output, y), "the edge's value is the sampled op's output");
        var grad = D(autograd.grad([output.mul(c).sum()], [alphas])[0]);

        // ∂L/∂w_index = ⟨c, y⟩; ∂L/∂w_j = Σc for the unsampled j (with the zero-valued terms), else 0
        var s = new double[4];
        for (var k = 0; k < 4; k++) s[k] = k == index ? D(y.mul(c).sum())[0] : unsampledTerms ? D(c.sum())[0] : 0;
        var p = D(sample.Probs).Skip(edge * 4).Take(4).ToArray();
        var mean = Enumerable.Range(0, 4).Sum(k => s[k] * p[k]);
        for (var k = 0; k < 4; k++) Assert.Equal(p[k] * (s[k] - mean) / tau, grad[edge * 4 + k], 1e-12);
        for (var i = 0; i < 12; i++)
            if (i / 4 != edge) Assert.Equal(0.0, grad[i]);
    }

    // ---------------------------------------------------------------- end to end

    [Theory]
    [InlineData("gdas")]
    [InlineData("dirichlet")]
    public void A_toy_mixed_op_trains_alpha_under_each_relaxation(string relaxation)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(43, CPU);
        // three operations, each a 2×2 linear map, fitted to a fourth one
        var x = randn([16, 2], generator: g);
        var ops = Enumerable.Range(0, 3).Select(_ => randn([2, 2], generator: g).requires_grad_()).ToArray();
        var target = x.matmul(randn([2, 2], generator: g));
        using var init = 1e-3.ToScalar(); // α = 1e-3·N(0,1), as both references
        var alphas = randn([1, 3], generator: g).mul(init).requires_grad_();
        var start = D(alphas);
        using var lr = (-0.05).ToScalar();
        for (var step = 0; step < 30; step++)
        {
            using var stepScope = NewDisposeScope();
            Tensor loss;
            if (relaxation == "gdas")
            {
                using var sample = GumbelSoftmax.Sample(alphas, GumbelSoftmax.Tau(step, 30), g);
                var index = sample.Indices[0];
                var output = GumbelSoftmax.EdgeOutput(sample.Hard, 0, index, x.matmul(ops[index]), unsampledTerms: true);
                loss = F.mse_loss(output, target);
                loss.backward();
                for (var k = 0; k < 3; k++)
                {
                    var hasGradient = ops[k].grad is { } gk && gk.abs().sum().item<float>() > 0;
                    Assert.True(hasGradient == (k == index), $"step {step}: only the sampled op {index} is computed, yet op {k} gradient: {hasGradient}");
                }
            }
            else
            {
                var w = DirichletRelaxation.SampleFromAlphas(alphas, g);
                var output = x.matmul(ops[0]).mul(w[0, 0]);
                for (var k = 1; k < 3; k++) output = output.add(x.matmul(ops[k]).mul(w[0, k]), Scalars.One);
                loss = F.mse_loss(output, target).add(DirichletRelaxation.KlRegulariser(alphas), Scalars.One);
                loss.backward();
            }
            Assert.True(float.IsFinite(loss.item<float>()), $"step {step}: loss {loss.item<float>()}");
            using (no_grad())
                foreach (var p in ops.Append(alphas))
                    if (p.grad is { } grad)
                    {
                        Assert.True(grad.isfinite().all().item<bool>(), $"step {step}: non-finite gradient");
                        p.add_(grad, lr);
                        grad.zero_();
                    }
        }
        var end = D(alphas);
        Assert.All(end, v => Assert.True(double.IsFinite(v)));
        Assert.True(end.Zip(start).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, $"α did not move: {string.Join(", ", end)}");
    }
    [Fact]
    public void The_relaxations_leave_no_TorchSharp_object_to_the_finalizer()
    {
        using var watch = new FinalizerWatch();
        watch.Start();
        using (var g = new Generator(47, CPU))
            for (var step = 0; step < 5; step++)
            {
                using var scope = NewDisposeScope();
                var alphas = Alphas((ulong)step, 6, 5).to(float32).requires_grad_();
                var y = Alphas(99, 2, 3).to(float32);
                using var sample = GumbelSoftmax.Sample(alphas, GumbelSoftmax.Tau(step, 5), g);
                var gdas = GumbelSoftmax.EdgeOutput(sample.Hard, 2, sample.Indices[2], y, unsampledTerms: true).sum();
                var weights = DirichletRelaxation.SampleFromAlphas(alphas, g);
                var drnas = weights.select(1, 0).sum().add(DirichletRelaxation.KlRegulariser(alphas), Scalars.One);
                _ = autograd.grad([gdas.add(drnas, Scalars.One)], [alphas]);
            }
        var finalized = watch.Stop();
        Assert.True(finalized.Count == 0,
            "finalized instead of disposed: " + string.Join(", ", finalized.Select(kv => $"{kv.Value}× {kv.Key}")));
    }
}
