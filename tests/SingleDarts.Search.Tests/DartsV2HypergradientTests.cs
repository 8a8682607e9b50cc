using SingleDarts.Search.Nn;
using SingleDarts.Search.Strategies;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SingleDarts.Search.Tests;

/// <summary>
/// DARTS-V2's finite-difference hypergradient against the exact one, computed independently by
/// differentiating through the unrolled step (double backward) on a tiny float64 model.
/// </summary>
[Trait("Category", "unit")]
public class DartsV2HypergradientTests
{
    /// <summary>Two mixed layers: h = Σ_k a0_k·op_k(W1·x), logits = W2·Σ_k a1_k·op_k(h), ops = identity, tanh, softplus.</summary>
    private sealed class TinyMixedModel : ISearchModel
    {
        public TinyMixedModel(Generator g)
        {
            using var half = 0.5.ToScalar();
            using var small = 0.3.ToScalar();
            W1 = new Parameter(randn([4, 5], ScalarType.Float64, generator: g).mul(half));
            W2 = new Parameter(randn([3, 4], ScalarType.Float64, generator: g).mul(half));
            Alphas = new Parameter(randn([2, 3], ScalarType.Float64, generator: g).mul(small));
        }

        public Parameter W1 { get; }
        public Parameter W2 { get; }
        public Parameter Alphas { get; }
        public IReadOnlyList<Parameter> ArchParameters => [Alphas];
        public IDisposable Perturb(double epsilon) => throw new NotSupportedException("the test model has no perturbation");
        public IDisposable ExpectedWeights() => throw new NotSupportedException("the test model does not sample");
        public IReadOnlyList<Parameter> Weights => [W1, W2];
        public IReadOnlyList<string> WeightNames => ["W1", "W2"];
        public IReadOnlyList<(string Name, Tensor Tensor)> Buffers => [];
        public bool Training { get; set; } = true;

        public Tensor Forward(Tensor x) => Apply(x, W1, W2, Alphas);

        public static Tensor Apply(Tensor x, Tensor w1, Tensor w2, Tensor alphas)
        {
            var a = F.softmax(alphas, -1);
            Tensor Mix(Tensor v, int row) =>
                v.mul(a[row, 0]).add(v.tanh().mul(a[row, 1]), Scalars.One).add(F.softplus(v).mul(a[row, 2]), Scalars.One);
            var h = Mix(x.matmul(w1.t()), 0);
            return Mix(h, 1).matmul(w2.t());
        }

        public void Dispose()
        {
            W1.Dispose();
            W2.Dispose();
            Alphas.Dispose();
        }
    }

    [Fact]
    public void Finite_difference_hypergradient_matches_differentiating_through_the_unrolled_step()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(21, CPU);
        var options = new OptimizerSettings { Momentum = 0.9, WeightDecay = 3e-4 };
        using var state = new SearchState(new TinyMixedModel(g), options);
        var model = (TinyMixedModel)state.Model;
        var train = new Batch(randn([16, 5], ScalarType.Float64, generator: g), randint(0, 3, [16], generator: g));
        var valid = new Batch(randn([16, 5], ScalarType.Float64, generator: g), randint(0, 3, [16], generator: g));
        // a first SGD step so that the momentum buffers are not zero
        state.WeightOptimizer.Step([randn([4, 5], ScalarType.Float64, generator: g), randn([3, 4], ScalarType.Float64, generator: g)], 0.1);
        const double xi = 0.5;
        var weightsBefore = model.Weights.Select(w => w.detach().clone()).ToArray();

        var finiteDifference = DartsV2.Hypergradient(state, train, valid, xi)[0];

        // w is left as it was
        for (var i = 0; i < weightsBefore.Length; i++)
            Assert.True(weightsBefore[i].eq(model.Weights[i]).all().item<bool>(), "Hypergradient changed w");

        // exact: ∇α L_val(w − ξ(∇w L_train + μ·buf + λ·w), α), differentiated through the step
        var trainLoss = F.cross_entropy(TinyMixedModel.Apply(train.Images, model.W1, model.W2, model.Alphas), train.Labels);
        var grads = autograd.grad([trainLoss], [model.W1, model.W2], retain_graph: true, create_graph: true);
        var buffers = state.WeightOptimizer.MomentumBuffers;
        using var minusXi = (-xi).ToScalar();
        using var momentum = options.Momentum.ToScalar();
        using var decay = options.WeightDecay.ToScalar();
        Tensor Unrolled(Tensor w, Tensor grad, Tensor buffer) => w.add(grad.add(buffer, momentum).add(w, decay), minusXi);
        var w1 = Unrolled(model.W1, grads[0], buffers[0]);
        var w2 = Unrolled(model.W2, grads[1], buffers[1]);
        var validLoss = F.cross_entropy(TinyMixedModel.Apply(valid.Images, w1, w2, model.Alphas), valid.Labels);
        var exact = autograd.grad([validLoss], [model.Alphas])[0];

        // first-order only (w' treated as a constant): what the finite differences must add to
        var firstOrderLoss = F.cross_entropy(TinyMixedModel.Apply(valid.Images, w1.detach(), w2.detach(), model.Alphas), valid.Labels);
        var firstOrder = autograd.grad([firstOrderLoss], [model.Alphas])[0];

        var error = finiteDifference.sub(exact).abs().max().item<double>();
        var secondOrderTerm = exact.sub(firstOrder).abs().max().item<double>();
        var scale = exact.abs().max().item<double>();
        Assert.True(secondOrderTerm > 1e-3 * scale, $"the second-order term is too small to test ({secondOrderTerm})");
        Assert.True(error < 1e-6 * Math.Max(scale, 1e-3), $"finite differences are off by {error} (exact scale {scale}, second-order term {secondOrderTerm})");
    }
}
