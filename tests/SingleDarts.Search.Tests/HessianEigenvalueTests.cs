using MathNet.Numerics.LinearAlgebra;
using SingleDarts.Search.Diagnostics;
using SingleDarts.Search.Nn;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Spaces.Darts;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Strategies;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>
/// λ_max of ∇²_α L by power iteration on double-backward Hessian-vector products: against the exact
/// Hessian (float64, row by row) and known quadratics, reproducible from its generator, through both
/// real supernets (float32 against float64 against finite differences), free of side effects and leaks.
/// </summary>
[Trait("Category", "unit")]
public class HessianEigenvalueTests
{
    [Fact]
    public void Power_iteration_gives_the_exact_Hessians_eigenvalue_of_largest_magnitude()
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var scope = NewDisposeScope();
        var net = new TinyMixedNet(11);
        var exact = ExactHessian(net.Loss, net.Alphas);
        var n = exact.GetLength(0);
        for (var i = 0; i < n; i++)
            for (var j = 0; j < i; j++)
                Assert.True(Math.Abs(exact[i, j] - exact[j, i]) < 1e-12, $"H[{i},{j}] = {exact[i, j]} but H[{j},{i}] = {exact[j, i]}");
        var eigen = Matrix<double>.Build.DenseOfArray(exact).Evd(Symmetricity.Symmetric).EigenValues.Select(c => c.Real).ToArray();
        var dominant = eigen.MaxBy(Math.Abs);

        using var start = new Generator(5, CPU);
        var estimate = HessianEigenvalue.Dominant(net.Loss, net.Alphas, new HessianOptions { MaxIterations = 2000, Tolerance = 1e-14 }, start);

        Assert.True(estimate.Converged, $"not converged in {estimate.Iterations} iterations; spectrum {string.Join(", ", eigen.Select(e => e.ToString("G4")))}");
        Assert.True(Math.Abs(estimate.Eigenvalue - dominant) <= 1e-9 * Math.Abs(dominant),
            $"estimate {estimate.Eigenvalue:G12}, exact {dominant:G12} (spectrum {string.Join(", ", eigen.Select(e => e.ToString("G4")))})");
        // the eigenvector is one of H's: ‖Hv − λv‖ small for the exact matrix
        var h = Matrix<double>.Build.DenseOfArray(exact);
        var v = Vector<double>.Build.DenseOfArray(estimate.Eigenvector);
        Assert.True((h * v - dominant * v).L2Norm() < 1e-5 * Math.Abs(dominant), $"‖Hv − λv‖ = {(h * v - dominant * v).L2Norm():G3}");
        Assert.Equal(estimate.Iterations, estimate.Products);
    }

    [Fact]
    public void Hessian_vector_products_are_the_exact_Hessians_rows()
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var scope = NewDisposeScope();
        var net = new TinyMixedNet(12);
        var exact = ExactHessian(net.Loss, net.Alphas);
        var n = exact.GetLength(0);
        for (var j = 0; j < n; j++)
        {
            var unit = tensor(Enumerable.Range(0, n).Select(i => i == j ? 1.0 : 0.0).ToArray(), float64);
            var row = HessianEigenvalue.HessianVectorProduct([net.Loss], net.Alphas, unit).data<double>().ToArray();
            for (var i = 0; i < n; i++) Assert.True(Math.Abs(row[i] - exact[j, i]) < 1e-12, $"(He_{j})[{i}] = {row[i]} vs H[{j},{i}] = {exact[j, i]}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_quadratic_gives_the_dominant_eigenvalue_of_its_matrix(bool retain)
    {
        using var scope = NewDisposeScope();
        var options = new HessianOptions { MaxIterations = 500, Tolerance = 1e-13, RetainGraphs = retain };
        var alphas = Alphas([0.3, -0.2, 0.5, 0.1, -0.4, 0.7]);

        var a = Rotated([4, -1, 0.5, 2, 0, -3]);
        Assert.Equal(4, Estimate([Quadratic(a, alphas)], alphas, options).Eigenvalue, 1e-9);
        Assert.Equal(4.1, Estimate([Quadratic(a, alphas)], alphas, options with { WeightDecay = 0.1 }).Eigenvalue, 1e-9);

        // a negative dominant eigenvalue: its sign kept, and RobustDARTS' largest eigenvalue on request
        var b = Rotated([-5, 3, 0.5, 1, 0, -2]);
        Assert.Equal(-5, Estimate([Quadratic(b, alphas)], alphas, options).Eigenvalue, 1e-9);
        var algebraic = Estimate([Quadratic(b, alphas)], alphas, options with { Target = HessianTarget.LargestAlgebraic });
        Assert.Equal(3, algebraic.Eigenvalue, 1e-8);
        Assert.True(algebraic.Converged);

        // several losses: the Hessian of their mean
        var mean = (Matrix<double>.Build.DenseOfArray(a) + Matrix<double>.Build.DenseOfArray(b)) / 2;
        var expected = mean.Evd(Symmetricity.Symmetric).EigenValues.Select(c => c.Real).MaxBy(Math.Abs);
        var both = Estimate([Quadratic(a, alphas), Quadratic(b, alphas)], alphas, options);
        Assert.Equal(expected, both.Eigenvalue, 1e-9);
        Assert.Equal(2 * both.Iterations, both.Products);
    }

    [Fact]
    public void The_iteration_stops_at_the_cap_and_says_it_did_not_converge()
    {
        using var scope = NewDisposeScope();
        var alphas = Alphas([0.3, -0.2, 0.5, 0.1, -0.4, 0.7]);
        var a = Rotated([4, -1, 0.5, 2, 0, -3.9]);
        var capped = Estimate([Quadratic(a, alphas)], alphas, new HessianOptions { MaxIterations = 7, Tolerance = 0 });
        Assert.Equal(7, capped.Iterations);
        Assert.False(capped.Converged);
        var early = Estimate([Quadratic(a, alphas)], alphas, new HessianOptions { MaxIterations = 500, Tolerance = 1e-2 });
        Assert.True(early.Converged);
        Assert.InRange(early.Iterations, 2, 499);
    }

    [Fact]
    public void A_warm_start_from_the_previous_eigenvector_needs_fewer_products()
    {
        using var scope = NewDisposeScope();
        var alphas = Alphas([0.3, -0.2, 0.5, 0.1, -0.4, 0.7]);
        var a = Rotated([4, -1, 0.5, 2, 0, -3.6]);
        var options = new HessianOptions { MaxIterations = 500, Tolerance = 1e-10 };
        var cold = Estimate([Quadratic(a, alphas)], alphas, options);
        using var g = new Generator(9, CPU);
        var warm = HessianEigenvalue.Dominant(Quadratic(a, alphas), alphas, options, g, cold.Eigenvector);
        Assert.Equal(4, warm.Eigenvalue, 1e-8);
        Assert.True(warm.Iterations < cold.Iterations / 4, $"warm {warm.Iterations} iterations, cold {cold.Iterations}");
        Assert.Throws<ArgumentException>(() => HessianEigenvalue.Dominant(Quadratic(a, alphas), alphas, options, g, new double[6]));
        Assert.Throws<ArgumentException>(() => HessianEigenvalue.Dominant(Quadratic(a, alphas), alphas, options, g, new double[5]));
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HessianOptions { MaxIterations = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new HessianOptions { Tolerance = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new HessianOptions { Tolerance = double.NaN }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new HessianOptions { WeightDecay = -1e-3 }.Validate());
    }

    [Fact]
    public void The_same_generator_seed_gives_bit_identical_estimates()
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var g = new Generator(3, CPU);
        using var model = SearchSpaces.Get("nb201").Build(Tiny.Settings(4, 1), g);
        using var b1 = RandomBatch(g, 8, 8);
        using var b2 = RandomBatch(g, 8, 8);
        var options = new HessianOptions { MaxIterations = 6 };
        HessianEstimate Run(ulong seed)
        {
            using var start = new Generator(seed, CPU);
            return ValidationHessian.DominantEigenvalue(model, [b1, b2], options, start);
        }

        var first = Run(7);
        var second = Run(7);
        Assert.Equal(first.Eigenvalue, second.Eigenvalue);
        Assert.Equal(first.Eigenvector, second.Eigenvector);
        Assert.Equal(first.Iterations, second.Iterations);
        Assert.NotEqual(first.Eigenvector, Run(8).Eigenvector);
    }

    [Theory]
    [InlineData("nb201", 4, 1, 8, 8)]
    [InlineData("darts", 2, 3, 4, 3)]
    public void On_a_real_supernet_it_is_finite_and_leaves_the_search_state_as_it_was(string space, int channels, int cells, int batch, int iterations)
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var g = new Generator(3, CPU);
        using var model = SearchSpaces.Get(space).Build(Tiny.Settings(channels, cells), g);
        using var b1 = RandomBatch(g, batch, 8);
        using var b2 = RandomBatch(g, batch, 8);
        model.Training = false;
        var before = Snapshot(model);
        using var start = new Generator(1, CPU);

        var estimate = ValidationHessian.DominantEigenvalue(model, [b1, b2], new HessianOptions { MaxIterations = iterations }, start);

        Assert.True(double.IsFinite(estimate.Eigenvalue) && estimate.Eigenvalue != 0, $"λ = {estimate.Eigenvalue}");
        Assert.True(double.IsFinite(estimate.RelativeResidual));
        Assert.InRange(estimate.Iterations, 2, iterations);
        Assert.Equal(2 * estimate.Iterations, estimate.Products);
        Assert.Equal(model.Alphas.numel(), estimate.Eigenvector.Length);
        Assert.False(model.Training);
        Assert.True(model.Alphas.grad is null, "α.grad was written");
        Assert.All(model.Weights, w => Assert.True(w.grad is null, "a weight's grad was written"));
        AssertSame(before, Snapshot(model), "after the estimate");

        // the restore matters: a train-mode forward moves the running statistics
        model.Training = true;
        using (no_grad())
        using (model.Forward(b1.Images))
        {
        }
        Assert.Contains(before.Buffers.Zip(Snapshot(model).Buffers), p => !p.First.SequenceEqual(p.Second));
    }

    /// <summary>
    /// Double backward through every operation of both supernets, including the padded-convolution route
    /// (float32, channels not a multiple of 16), BoxSum pooling and BatchNorm with the op weight as its scale:
    /// the float32 product equals the float64 one, and that equals central differences of the float64 gradient.
    /// </summary>
    [Theory]
    [InlineData("nb201", 4, 1, 8)]
    [InlineData("nb201", 8, 1, 8)]
    [InlineData("darts", 2, 3, 4)]
    public void Hessian_vector_products_through_a_supernet_match_float64_and_finite_differences(string space, int channels, int cells, int batch)
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var scope = NewDisposeScope();
        using var g = new Generator(4, CPU);
        using var model = SearchSpaces.Get(space).Build(Tiny.Settings(channels, cells), g);
        using var sameDraws = new Generator(4, CPU);
        using var twin = SearchSpaces.Get(space).Build(Tiny.Settings(channels, cells), sameDraws);
        Net(twin).to(float64);
        model.Training = twin.Training = true;
        var x = randn([batch, 3, 8, 8], generator: g);
        var y = randint(0, 10, [batch], generator: g);
        var x64 = x.to(float64);
        var v = randn([model.Alphas.numel()], float64, generator: g);
        v = v.div(v.norm());

        var hv32 = HessianEigenvalue.HessianVectorProduct([() => nn.functional.cross_entropy(model.Forward(x), y)], model.Alphas, v);
        var alphas64 = model.Alphas.detach().to(float64).requires_grad_();
        var hv64 = HessianEigenvalue.HessianVectorProduct([() => Loss64(twin, x64, y, alphas64)], alphas64, v);

        // ReLU and max-pooling make L piecewise smooth in α: a kink can lie within 1e-5 of α along v (DARTS
        // C4 L3 had one: central differences with ε ≥ 1e-5 were off by ~100 %, with 1e-6 by 5e-9), none within 1e-6 in these cases.
        const double eps = 1e-6;
        using var epsScalar = eps.ToScalar();
        using var minusEps = (-eps).ToScalar();
        var plus = Gradient64(twin, x64, y, alphas64.detach().add(v.view(alphas64.shape), epsScalar));
        var minus = Gradient64(twin, x64, y, alphas64.detach().add(v.view(alphas64.shape), minusEps));
        using var half = (0.5 / eps).ToScalar();
        var finite = plus.sub(minus).mul(half).flatten();

        var fdError = ConvolutionKernelTests.RelativeError(hv64, finite);
        var f32Error = ConvolutionKernelTests.RelativeError(hv32, hv64);
        Assert.True(fdError < 1e-5, $"float64 Hv differs from finite differences by {fdError:G3} (relative to its largest entry)");
        Assert.True(f32Error < 1e-3, $"float32 Hv differs from float64 by {f32Error:G3}");
    }

    [Fact]
    public void Repeated_estimates_leave_no_live_tensors_behind()
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var g = new Generator(3, CPU);
        using var model = SearchSpaces.Get("nb201").Build(Tiny.Settings(4, 1), g);
        using var b1 = RandomBatch(g, 8, 8);
        var options = new HessianOptions { MaxIterations = 3, Tolerance = 0 };
        foreach (var retain in new[] { false, true })
        {
            using (var warm = new Generator(1, CPU)) ValidationHessian.DominantEigenvalue(model, [b1], options with { RetainGraphs = retain }, warm);
            var live = LiveTensors();
            for (var i = 0; i < 3; i++)
            {
                using var start = new Generator(1, CPU);
                ValidationHessian.DominantEigenvalue(model, [b1], options with { RetainGraphs = retain }, start);
            }
            Assert.Equal(live, LiveTensors());
        }
    }

    internal static long LiveTensors() => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    internal static Batch RandomBatch(Generator g, int count, int size) =>
        new(randn([count, 3, size, size], generator: g), randint(0, 10, [count], generator: g));

    private static HessianEstimate Estimate(IReadOnlyList<Func<Tensor>> losses, Tensor alphas, HessianOptions options)
    {
        using var start = new Generator(9, CPU);
        return HessianEigenvalue.Dominant(losses, alphas, options, start);
    }

    private static Tensor Alphas(double[] values) => tensor(values, [2, 3], float64).requires_grad_();

    /// <summary>½ αᵀAα over α flattened.</summary>
    private static Func<Tensor> Quadratic(double[,] a, Tensor alphas)
    {
        var n = a.GetLength(0);
        var flat = new double[n * n];
        Buffer.BlockCopy(a, 0, flat, 0, flat.Length * sizeof(double));
        var matrix = tensor(flat, [n, n], float64);
        return () =>
        {
            using var scope = NewDisposeScope();
            using var half = 0.5.ToScalar();
            var x = alphas.flatten();
            return x.dot(matrix.mv(x)).mul(half).MoveToOuterDisposeScope();
        };
    }

    /// <summary>QDQᵀ with Q a fixed Householder reflection: a symmetric matrix with eigenvalues <paramref name="diagonal"/>.</summary>
    private static double[,] Rotated(double[] diagonal)
    {
        var n = diagonal.Length;
        var u = Vector<double>.Build.Dense(n, i => 1.0 + i * 0.37);
        var q = Matrix<double>.Build.DenseIdentity(n) - 2 * u.OuterProduct(u) / u.DotProduct(u);
        return (q * Matrix<double>.Build.DenseOfDiagonalArray(diagonal) * q.Transpose()).ToArray();
    }

    /// <summary>The full Hessian, row j = ∇_α (∂L/∂α_j), by double backward.</summary>
    private static double[,] ExactHessian(Func<Tensor> loss, Tensor alphas)
    {
        using var scope = NewDisposeScope();
        var n = (int)alphas.numel();
        var l = loss();
        var grad = autograd.grad([l], [alphas], retain_graph: true, create_graph: true)[0].flatten();
        var h = new double[n, n];
        for (var j = 0; j < n; j++)
        {
            var row = autograd.grad([grad.select(0, j)], [alphas], retain_graph: true)[0].flatten().data<double>().ToArray();
            for (var i = 0; i < n; i++) h[j, i] = row[i];
        }
        return h;
    }

    private static nn.Module Net(ISpaceModel model) => model switch
    {
        Nb201SearchModel m => m.Net,
        DartsSearchModel m => m.Net,
        _ => throw new ArgumentException("unknown model", nameof(model)),
    };

    /// <summary>Cross-entropy of the float64 twin under an explicit α (its own α parameter stays float32).</summary>
    private static Tensor Loss64(ISpaceModel twin, Tensor x, Tensor y, Tensor alphas)
    {
        using var scope = NewDisposeScope();
        var relaxed = Relaxation.Softmax.Apply(alphas);
        var logits = twin switch
        {
            Nb201SearchModel m => m.Net.forward(x, relaxed),
            DartsSearchModel m => m.Net.forward(x, relaxed.narrow(0, 0, DartsEdge.Count), relaxed.narrow(0, DartsEdge.Count, DartsEdge.Count)),
            _ => throw new ArgumentException("unknown model", nameof(twin)),
        };
        return nn.functional.cross_entropy(logits, y).MoveToOuterDisposeScope();
    }

    private static Tensor Gradient64(ISpaceModel twin, Tensor x, Tensor y, Tensor alphas)
    {
        var leaf = alphas.requires_grad_();
        return autograd.grad([Loss64(twin, x, y, leaf)], [leaf])[0];
    }

    private sealed record State(float[][] Weights, float[] Alphas, float[][] Buffers);

    private static State Snapshot(ISearchModel model) =>
        new([.. model.Weights.Select(Tiny.Values)], Tiny.Values(model.Alphas), [.. model.Buffers.Select(b => Tiny.Values(b.Tensor))]);

    private static void AssertSame(State expected, State actual, string when)
    {
        Assert.True(expected.Alphas.SequenceEqual(actual.Alphas), $"α changed {when}");
        for (var i = 0; i < expected.Weights.Length; i++) Assert.True(expected.Weights[i].SequenceEqual(actual.Weights[i]), $"weight {i} changed {when}");
        for (var i = 0; i < expected.Buffers.Length; i++) Assert.True(expected.Buffers[i].SequenceEqual(actual.Buffers[i]), $"buffer {i} changed {when}");
    }

    /// <summary>
    /// A two-edge mixed-op network in float64 whose loss is nonlinear in α: edge 1 mixes a 3×3 convolution,
    /// tanh of a 1×1 convolution and the identity of the input; edge 2 the same kinds on edge 1's output;
    /// global average pool, a linear head, cross-entropy on a fixed batch.
    /// </summary>
    private sealed class TinyMixedNet
    {
        private readonly Tensor[] convs3, convs1;
        private readonly Tensor x, y, head;

        public TinyMixedNet(ulong seed)
        {
            using var g = new Generator(seed, CPU);
            x = randn([4, 2, 5, 5], float64, generator: g);
            y = randint(0, 3, [4], generator: g);
            convs3 = [Scaled(randn([2, 2, 3, 3], float64, generator: g), 0.4), Scaled(randn([2, 2, 3, 3], float64, generator: g), 0.4)];
            convs1 = [randn([2, 2, 1, 1], float64, generator: g), randn([2, 2, 1, 1], float64, generator: g)];
            head = randn([3, 2], float64, generator: g);
            Alphas = randn([2, 3], float64, generator: g).requires_grad_();
        }

        public Tensor Alphas { get; }

        public Tensor Loss()
        {
            using var scope = NewDisposeScope();
            var weights = nn.functional.softmax(Alphas, -1);
            var h = x;
            for (var edge = 0; edge < 2; edge++)
            {
                var ops = stack([Conv.Conv2d(h, convs3[edge], padding: 1), Conv.Conv2d(h, convs1[edge]).tanh(), h]);
                h = ops.mul(weights.select(0, edge).view(3, 1, 1, 1, 1)).sum(0, keepdim: false);
            }
            var logits = nn.functional.linear(h.mean([2, 3]), head);
            return nn.functional.cross_entropy(logits, y).MoveToOuterDisposeScope();
        }

        private static Tensor Scaled(Tensor t, double factor)
        {
            using var s = factor.ToScalar();
            return t.mul(s);
        }
    }
}
