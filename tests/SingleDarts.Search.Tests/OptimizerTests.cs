using SingleDarts.Search.Nn;
using SingleDarts.Search.Optim;
using OurAdam = SingleDarts.Search.Optim.Adam;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>Our SGD, Adam and clipping take gradients as arguments; they must step exactly like TorchSharp's own.</summary>
[Trait("Category", "unit")]
public class OptimizerTests
{
    [Fact]
    public void Sgd_matches_torch_sgd_with_momentum_and_weight_decay()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(1, CPU);
        var a = new Parameter(randn([5, 4], generator: g));
        var b = new Parameter(a.detach().clone());
        var ours = new Sgd([a], momentum: 0.9, weightDecay: 3e-4);
        var theirs = optim.SGD([b], 0.025, momentum: 0.9, weight_decay: 3e-4);
        for (var step = 0; step < 5; step++)
        {
            var grad = randn([5, 4], generator: g);
            var lr = 0.025 * (1 - 0.1 * step);
            ours.Step([grad], lr);
            b.grad = grad.clone();
            foreach (var group in theirs.ParamGroups) group.LearningRate = lr;
            theirs.step();
        }
        AssertClose(b, a, 1e-6);
        Assert.True(ours.MomentumBuffers[0].abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Adam_matches_torch_adam_with_weight_decay()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(2, CPU);
        using var small = 1e-3.ToScalar();
        var a = new Parameter(randn([6, 5], generator: g).mul(small));
        var b = new Parameter(a.detach().clone());
        var initial = a.detach().clone();
        var ours = new OurAdam([a], 3e-4, 0.5, 0.999, 1e-3);
        var theirs = optim.Adam([b], 3e-4, beta1: 0.5, beta2: 0.999, weight_decay: 1e-3);
        for (var step = 0; step < 6; step++)
        {
            var grad = randn([6, 5], generator: g);
            ours.Step([grad]);
            b.grad = grad.clone();
            theirs.step();
        }
        Assert.Equal(6, ours.StepCount);
        AssertClose(b, a, 1e-7);
        Assert.True(a.sub(initial).abs().sum().item<float>() > 0, "Adam did not move the parameter");
    }

    [Theory]
    [InlineData(5.0)]   // clips
    [InlineData(1e6)]   // leaves alone
    public void Clipping_matches_clip_grad_norm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(3, CPU);
        using var three = 3.0.ToScalar();
        var grads = new[] { randn([10, 10], generator: g).mul(three), randn([7], generator: g) };
        var ps = grads.Select(t => new Parameter(zeros_like(t))).ToArray();
        for (var i = 0; i < ps.Length; i++) ps[i].grad = grads[i].clone();
        var expectedNorm = nn.utils.clip_grad_norm_(ps, maxNorm);
        var norm = GradClip.ClipByGlobalNorm(grads, maxNorm);
        Assert.Equal(expectedNorm, norm, 4);
        for (var i = 0; i < ps.Length; i++) AssertClose(ps[i].grad!, grads[i], 1e-6);
        var after = stack(grads.Select(t => t.norm()).ToArray()).norm().item<float>();
        Assert.True(after <= maxNorm * (1 + 1e-5), $"norm after clipping {after}");
    }

    internal static void AssertClose(Tensor expected, Tensor actual, double tol)
    {
        var diff = expected.sub(actual).abs().max().item<float>();
        Assert.True(diff <= tol, $"max difference {diff} exceeds {tol}");
    }
}
