using SingleDarts.Search.Relaxations;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

public partial class RelaxationFidelityTests
{
    // ---------------------------------------------------------------- Dirichlet (DrNAS)

    private static Tensor Rows(long n, params double[] beta)
    {
        using var scope = NewDisposeScope();
        return tensor(beta, float64).unsqueeze(0).expand(n, beta.Length).contiguous().MoveToOuterDisposeScope();
    }

    [Fact]
    public void Concentration_is_elu_plus_one()
    {
        using var scope = NewDisposeScope();
        double[] alpha = [-3, -0.5, 0, 0.25, 2];
        var beta = D(DirichletRelaxation.Concentration(tensor(alpha, float64)));
        for (var i = 0; i < alpha.Length; i++)
            Assert.Equal(alpha[i] > 0 ? alpha[i] + 1 : Math.Exp(alpha[i]), beta[i], 1e-15);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Dirichlet_samples_lie_on_the_simplex_and_are_libtorchs_draws_bit_for_bit(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var beta = DirichletRelaxation.Concentration(Alphas(3, 14, 8, 2.0)).to(dtype).requires_grad_();
        using var g = new Generator(5, CPU);
        using var twin = new Generator(5, CPU);
        var x = DirichletRelaxation.Sample(beta, g);
        Assert.True(Same(x, _sample_dirichlet(beta.detach(), twin)), "the gradient surrogate changed the value");
        Assert.True(x.requires_grad);
        var values = D(x);
        Assert.All(values, v => Assert.InRange(v, double.Epsilon, 1.0));
        var tolerance = dtype == ScalarType.Float32 ? 1e-5 : 1e-12;
        for (var r = 0; r < 14; r++) Assert.Equal(1.0, values.Skip(r * 8).Take(8).Sum(), tolerance);
    }

    [Fact]
    public void Dirichlet_mean_over_many_samples_is_beta_over_its_sum()
    {
        using var scope = NewDisposeScope();
        double[] beta = [0.5, 1, 2.5, 4];
        const int n = 20_000;
        using var g = new Generator(17, CPU);
        var mean = D(DirichletRelaxation.Sample(Rows(n, beta), g).mean([0]));
        var b0 = beta.Sum();
        for (var i = 0; i < beta.Length; i++)
        {
            var sd = Math.Sqrt(beta[i] * (b0 - beta[i]) / (b0 * b0 * (b0 + 1)) / n);
            Assert.True(Math.Abs(mean[i] - beta[i] / b0) < 4 * sd, $"E[x_{i}] {mean[i]:F4} vs {beta[i] / b0:F4} (sd {sd:G2})");
        }
    }

    [Theory]
    [InlineData(0.5, 0.7)]
    [InlineData(1.0, 1.0)]
    [InlineData(2.5, 4.0)]
    [InlineData(0.3, 9.0)]
    [InlineData(12.0, 3.0)]
    [InlineData(40.0, 55.0)]
    public void Dirichlet_two_category_gradient_is_the_beta_implicit_derivative(double a, double b)
    {
        using var scope = NewDisposeScope();
        var beta = Rows(6, a, b).requires_grad_();
        using var g = new Generator(23, CPU);
        var x = DirichletRelaxation.Sample(beta, g);
        var jac = D(autograd.grad([x.select(1, 0).sum()], [beta])[0]); // rows are independent draws
        var x0 = D(x.select(1, 0));
        for (var r = 0; r < 6; r++)
        {
            // x₀ ~ Beta(a, b): at fixed CDF, dx₀/da = −(∂I/∂a)/pdf and dx₀/db = −(∂I/∂b)/pdf
            var (da, db) = ReferenceMath.BetaImplicit(x0[r], a, b);
            Assert.True(Math.Abs(jac[2 * r] - da) <= 1e-6 * Math.Abs(da) + 1e-12, $"x={x0[r]}: dx/da {jac[2 * r]} vs {da}");
            Assert.True(Math.Abs(jac[2 * r + 1] - db) <= 1e-6 * Math.Abs(db) + 1e-12, $"x={x0[r]}: dx/db {jac[2 * r + 1]} vs {db}");
        }
    }

    [Fact]
    public void Implicit_beta_derivative_matches_the_series_over_a_wide_grid()
    {
        double[] parameters = [0.05, 0.5, 1, 3.7, 25, 120];
        double[] points = [1e-4, 0.05, 0.3, 0.5, 0.8, 0.999];
        var checkedPoints = 0;
        foreach (var a in parameters)
            foreach (var b in parameters)
                foreach (var x in points)
                {
                    if (ReferenceMath.BetaPdf(x, a, b) < 1e-200) continue; // far outside where draws land
                    var expected = ReferenceMath.BetaImplicit(x, a, b).DxDa;
                    var actual = ImplicitBeta.DxDa(x, a, b);
                    Assert.True(actual > 0, $"dx/da must be positive: {actual} at x={x}, a={a}, b={b}");
                    // the reference's central differences carry ~1e-6 in the corners (mpmath pins the digits below)
                    Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Abs(expected), $"x={x}, a={a}, b={b}: {actual} vs {expected}");
                    checkedPoints++;
                }
        Assert.True(checkedPoints > 150, $"only {checkedPoints} points checked");
    }

    /// <summary>dx/da of a Beta(a, b) draw from mpmath 1.3.0 at 40 digits: −diff(betainc(a, b, 0, x, regularized))/pdf.</summary>
    [Theory]
    [InlineData(0.3, 0.05, 25, 0.58551596525161711)]
    [InlineData(0.5, 3.7, 1, 0.093668537913506118)]
    [InlineData(0.999, 0.5, 0.05, 0.0045478953830990807)]
    [InlineData(0.0001, 0.05, 0.5, 0.020895823443038874)]
    [InlineData(0.05, 1, 1, 0.14978661367769956)]
    [InlineData(0.2, 120, 500, 0.0013141282328295749)]
    [InlineData(0.7, 2.5, 4.0, 0.06963519834634465)]
    [InlineData(1e-30, 0.001, 4.0, 6.7245579406635927e-26)]
    [InlineData(0.9999999, 6.0, 0.02, 1.809958354038729e-8)]
    public void Implicit_beta_derivative_matches_mpmath(double x, double a, double b, double expected)
    {
        var actual = ImplicitBeta.DxDa(x, a, b);
        Assert.True(Math.Abs(actual - expected) <= 1e-9 * expected, $"{actual:R} vs {expected:R}");
    }

    [Fact]
    public void Dirichlet_pathwise_gradient_is_unbiased()
    {
        using var scope = NewDisposeScope();
        double[] beta = [0.6, 1.3, 2.2], c = [1, -2, 0.5];
        const int n = 20_000;
        var leaf = Rows(n, beta).requires_grad_();
        using var g = new Generator(29, CPU);
        var x = DirichletRelaxation.Sample(leaf, g);
        var perSample = D(autograd.grad([x.mul(tensor(c, float64)).sum()], [leaf])[0]);
        var b0 = beta.Sum();
        var cb = c.Zip(beta).Sum(p => p.First * p.Second);
        for (var i = 0; i < 3; i++)
        {
            var column = Enumerable.Range(0, n).Select(r => perSample[r * 3 + i]).ToArray();
            var mean = column.Average();
            var sd = Math.Sqrt(column.Sum(v => (v - mean) * (v - mean)) / (n - 1) / n);
            var exact = (c[i] * b0 - cb) / (b0 * b0); // ∂/∂β_i of E[Σ c·x] = Σ c_k β_k/β₀
            Assert.True(Math.Abs(mean - exact) < 4 * sd, $"β_{i}: mean gradient {mean:F4} vs {exact:F4} (sd {sd:G2})");
        }
    }

    [Fact]
    public void Kl_regulariser_matches_the_closed_form_and_its_gradient()
    {
        using var scope = NewDisposeScope();
        const double scale = 1e-3;
        var alphas = Alphas(31, 3, 5, 1.5).requires_grad_();
        var reg = DirichletRelaxation.KlRegulariser(alphas, scale);
        var grad = D(autograd.grad([reg], [alphas])[0]);

        var alpha = D(alphas);
        var ones = Enumerable.Repeat(1.0, 5).ToArray();
        var expected = 0.0;
        for (var e = 0; e < 3; e++)
        {
            var a = alpha.Skip(e * 5).Take(5).ToArray();
            var beta = a.Select(v => v > 0 ? v + 1 : Math.Exp(v)).ToArray();
            expected += ReferenceMath.DirichletKl(beta, ones);
            var dBeta = ReferenceMath.DirichletKlGradient(beta, ones);
            for (var k = 0; k < 5; k++)
                Assert.Equal(scale * dBeta[k] * (a[k] > 0 ? 1 : Math.Exp(a[k])), grad[e * 5 + k], 1e-12);
        }
        Assert.Equal(scale * expected, D(reg)[0], 1e-12);

        double[] p = [0.4, 2, 7], q = [1.5, 0.5, 3];
        Assert.Equal(ReferenceMath.DirichletKl(p, q), D(DirichletRelaxation.KlDivergence(tensor(p, float64), tensor(q, float64)))[0], 1e-10);
        Assert.Equal(0.0, D(DirichletRelaxation.KlDivergence(tensor(q, float64), tensor(q, float64)))[0], 1e-12);
    }

    [Fact]
    public void Dirichlet_samples_and_gradients_are_bit_identical_under_the_same_generator_seed()
    {
        using var scope = NewDisposeScope();
        var alphas = Alphas(37, 6, 5).to(float32).requires_grad_();
        using var g1 = new Generator(41, CPU);
        using var g2 = new Generator(41, CPU);
        for (var draw = 0; draw < 3; draw++)
        {
            var a = DirichletRelaxation.SampleFromAlphas(alphas, g1);
            var b = DirichletRelaxation.SampleFromAlphas(alphas, g2);
            Assert.True(Same(a, b), $"draw {draw}: samples differ");
            var ga = autograd.grad([a.select(1, 0).sum()], [alphas])[0];
            var gb = autograd.grad([b.select(1, 0).sum()], [alphas])[0];
            Assert.True(Same(ga, gb), $"draw {draw}: gradients differ");
        }
    }
}
