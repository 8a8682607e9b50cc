using SingleDarts.Search.Nn;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Strategies;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>
/// Each strategy is checked against an independent computation with TorchSharp's own autograd
/// (<c>backward()</c>), optimisers and clipping on a twin model built from the same seed.
/// </summary>
[Trait("Category", "unit")]
public class StrategyTests
{
    private static readonly OptimizerSettings Opt = new();

    [Fact]
    public void Single_level_takes_one_training_batch_and_steps_w_and_alpha_from_one_backward()
    {
        using var scope = NewDisposeScope();
        var batches = new[] { Tiny.RandomBatch(1), Tiny.RandomBatch(2) };
        using var state = new SearchState(Tiny.Model(seed: 11), Opt);
        using var twin = Tiny.Model(seed: 11);
        var w0 = Tiny.Values(state.Model.Weights[0]);
        var a0 = Tiny.Values(state.Model.Alphas);

        var train = new CountingSource(batches);
        var valid = new CountingSource(Tiny.RandomBatch(3));
        var strategy = new SingleLevel();
        for (var step = 0; step < 2; step++)
        {
            strategy.Step(state, train, valid, 0.025);
            Assert.Equal(step + 1, train.Pulled);
        }
        Assert.Equal(0, valid.Pulled);
        Assert.NotEqual(w0, Tiny.Values(state.Model.Weights[0]));
        Assert.NotEqual(a0, Tiny.Values(state.Model.Alphas));

        // independent: one forward, one backward, clip, SGD on w and Adam on α from the same .grad
        twin.Training = true;
        var sgd = optim.SGD(twin.Weights, 0.025, momentum: Opt.Momentum, weight_decay: Opt.WeightDecay);
        var adam = optim.Adam([twin.Alphas], Opt.ArchLr, beta1: Opt.ArchBeta1, beta2: Opt.ArchBeta2, weight_decay: Opt.ArchWeightDecay);
        foreach (var b in batches)
        {
            sgd.zero_grad();
            adam.zero_grad();
            nn.functional.cross_entropy(twin.Forward(b.Images), b.Labels).backward();
            nn.utils.clip_grad_norm_(twin.Weights, Opt.GradClip);
            sgd.step();
            adam.step();
        }
        AssertSame(twin, state.Model);
    }

    [Fact]
    public void Darts_v1_steps_alpha_on_the_validation_batch_then_w_on_the_training_batch()
    {
        using var scope = NewDisposeScope();
        var trainBatch = Tiny.RandomBatch(4);
        var validBatch = Tiny.RandomBatch(5);
        using var state = new SearchState(Tiny.Model(seed: 12), Opt);
        using var twin = Tiny.Model(seed: 12);
        using var wrongTwin = Tiny.Model(seed: 12);

        var train = new CountingSource(trainBatch);
        var valid = new CountingSource(validBatch);
        new DartsV1().Step(state, train, valid, 0.025);
        Assert.Equal(1, train.Pulled);
        Assert.Equal(1, valid.Pulled);

        // independent: α's gradient of the validation loss at the current w, Adam; then w on the training batch
        twin.Training = true;
        var adam = optim.Adam([twin.Alphas], Opt.ArchLr, beta1: Opt.ArchBeta1, beta2: Opt.ArchBeta2, weight_decay: Opt.ArchWeightDecay);
        var sgd = optim.SGD(twin.Weights, 0.025, momentum: Opt.Momentum, weight_decay: Opt.WeightDecay);
        nn.functional.cross_entropy(twin.Forward(validBatch.Images), validBatch.Labels).backward();
        adam.step();
        sgd.zero_grad();
        adam.zero_grad();
        nn.functional.cross_entropy(twin.Forward(trainBatch.Images), trainBatch.Labels).backward();
        nn.utils.clip_grad_norm_(twin.Weights, Opt.GradClip);
        sgd.step();
        AssertSame(twin, state.Model);

        // and α taken from the training batch instead would be different
        wrongTwin.Training = true;
        var wrongAdam = optim.Adam([wrongTwin.Alphas], Opt.ArchLr, beta1: Opt.ArchBeta1, beta2: Opt.ArchBeta2, weight_decay: Opt.ArchWeightDecay);
        nn.functional.cross_entropy(wrongTwin.Forward(trainBatch.Images), trainBatch.Labels).backward();
        wrongAdam.step();
        var diff = wrongTwin.Alphas.sub(state.Model.Alphas).abs().max().item<float>();
        Assert.True(diff > 1e-6, $"α from the training batch is indistinguishable ({diff})");
    }

    [Fact]
    public void Darts_v2_runs_a_step_on_the_supernet_and_leaves_w_where_sgd_puts_it()
    {
        using var scope = NewDisposeScope();
        var trainBatch = Tiny.RandomBatch(6);
        var validBatch = Tiny.RandomBatch(7);
        using var state = new SearchState(Tiny.Model(seed: 13), Opt);
        var train = new CountingSource(trainBatch);
        var valid = new CountingSource(validBatch);
        var a0 = Tiny.Values(state.Model.Alphas);
        var stats = new DartsV2().Step(state, train, valid, 0.025);
        Assert.Equal(1, train.Pulled);
        Assert.Equal(1, valid.Pulled);
        Assert.True(double.IsFinite(stats.Loss));
        Assert.NotEqual(a0, Tiny.Values(state.Model.Alphas));

        // w must be exactly "restore, then one clipped SGD step under the new α": redo that on a twin
        using var twin = Tiny.Model(seed: 13);
        twin.Training = true;
        using (no_grad()) twin.Alphas.copy_(state.Model.Alphas);
        var sgd = optim.SGD(twin.Weights, 0.025, momentum: Opt.Momentum, weight_decay: Opt.WeightDecay);
        nn.functional.cross_entropy(twin.Forward(trainBatch.Images), trainBatch.Labels).backward();
        nn.utils.clip_grad_norm_(twin.Weights, Opt.GradClip);
        sgd.step();
        for (var i = 0; i < twin.Weights.Count; i++)
            OptimizerTests.AssertClose(twin.Weights[i], state.Model.Weights[i], 2e-5);
    }

    private static void AssertSame(ISearchModel expected, ISearchModel actual)
    {
        OptimizerTests.AssertClose(expected.Alphas, actual.Alphas, 1e-6);
        for (var i = 0; i < expected.Weights.Count; i++)
            OptimizerTests.AssertClose(expected.Weights[i], actual.Weights[i], 2e-5);
    }
}
