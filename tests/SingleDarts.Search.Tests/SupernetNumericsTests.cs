using SingleDarts.Search.Nn;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Strategies;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>
/// The guard against wrong numbers on the CPU at hand: the small supernets (the channel counts
/// whose convolutions hit oneDNN's faulty kernel on AVX-512 CPUs) train with every method and
/// give the gradients float64 gives. Two libtorch threads, as the searches that failed used.
/// </summary>
[Trait("Category", "unit")]
public class SupernetNumericsTests
{
    private const int Batch = 64, Steps = 20;

    public static TheoryData<int, int, int, string> Searches()
    {
        var data = new TheoryData<int, int, int, string>();
        foreach (var (c, n, size) in new[] { (8, 2, 16), (4, 1, 8), (2, 1, 8) })
            foreach (var method in Tiny.Levels)
                data.Add(c, n, size, method);
        return data;
    }

    [Theory]
    [MemberData(nameof(Searches))]
    public void Small_supernets_train_with_finite_losses_and_gradients(int channels, int cells, int size, string method)
    {
        WithThreads(2, () =>
        {
            using var g = new Generator(3, CPU);
            using var state = new SearchState(new Nb201SearchModel(Tiny.Settings(channels, cells), g), new OptimizerSettings());
            var strategy = Tiny.Strategy(method);
            var train = new RandomSource(g, size);
            var valid = new RandomSource(g, size);
            for (var step = 1; step <= Steps; step++)
            {
                // a NaN/Inf loss or gradient of w or α throws NonFiniteException, naming it
                var stats = strategy.Step(state, train, strategy.UsesValidation ? valid : null, 0.025);
                Assert.True(double.IsFinite(stats.Loss), $"step {step}: loss {stats.Loss}");
                Assert.True(state.FirstNonFiniteState() is null, $"step {step}: {state.FirstNonFiniteState()}");
            }
        });
    }

    [Theory]
    [InlineData(8, 2, 16)]
    [InlineData(4, 1, 8)]
    [InlineData(2, 1, 8)]
    public void Supernet_gradients_of_w_and_alpha_match_float64(int channels, int cells, int size)
    {
        WithThreads(2, () =>
        {
            using var scope = NewDisposeScope();
            using var g = new Generator(4, CPU);
            using var model = new Nb201SearchModel(Tiny.Settings(channels, cells), g);
            using var sameDraws = new Generator(4, CPU);
            using var twin = new Nb201SearchModel(Tiny.Settings(channels, cells), sameDraws);
            twin.Net.to(ScalarType.Float64);
            var twinWeights = twin.Net.parameters().ToArray(); // the float64 copies
            var alphas64 = model.Alphas.detach().to(float64).requires_grad_();
            var x = randn([Batch, 3, size, size], generator: g);
            var y = randint(0, 10, [Batch], generator: g);

            var loss = nn.functional.cross_entropy(model.Forward(x), y);
            var grads = autograd.grad([loss], [.. model.Weights, model.Alphas]);
            var loss64 = nn.functional.cross_entropy(twin.Net.forward(x.to(float64), Relaxation.Softmax.Apply(alphas64)), y);
            var grads64 = autograd.grad([loss64], [.. twinWeights, alphas64]);

            var (l32, l64) = (Scalars.ValueOf(loss), Scalars.ValueOf(loss64));
            Assert.True(Math.Abs(l32 - l64) < 1e-4, $"loss {l32} vs {l64}");
            // errors relative to the largest gradient of the group (a bias before BatchNorm has a gradient of ~0)
            var wScale = grads64.Take(model.Weights.Count).Max(t => t.abs().max().item<double>());
            for (var i = 0; i < model.Weights.Count; i++)
            {
                var diff = grads[i].to(float64).sub(grads64[i]).abs().max().item<double>();
                Assert.True(diff <= 1e-3 * wScale, $"∂L/∂{model.WeightNames[i]} off by {diff:G3} (largest w gradient {wScale:G3})");
            }
            Assert.True(ConvolutionKernelTests.RelativeError(grads[^1], grads64[^1]) < 1e-3, "∂L/∂α differs from float64");
        });
    }

    private static void WithThreads(int threads, Action body)
    {
        TorchRuntime.Configure(threads);
        try
        {
            body();
        }
        finally
        {
            TorchRuntime.Configure(Tiny.Threads);
        }
    }

    /// <summary>Fresh random images and labels every step.</summary>
    private sealed class RandomSource(Generator g, int size) : IBatchSource
    {
        public Batch Next() => new(randn([Batch, 3, size, size], generator: g), randint(0, 10, [Batch], generator: g));
    }
}
