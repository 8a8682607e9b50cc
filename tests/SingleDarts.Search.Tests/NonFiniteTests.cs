using SingleDarts.Search.Nn;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Strategies;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>A NaN/Inf loss or gradient stops the step where it starts, before anything moves, and says which.</summary>
[Trait("Category", "unit")]
public class NonFiniteTests
{
    [Fact]
    public void A_non_finite_gradient_of_w_stops_the_step_before_w_or_momentum_move_and_names_the_parameter()
    {
        using var scope = NewDisposeScope();
        using var state = new SearchState(Tiny.Model(), new OptimizerSettings());
        var before = state.Model.Weights.Select(w => Tiny.Values(w)).ToArray();
        var grads = state.Model.Weights.Select(w => zeros_like(w)).ToArray();
        grads[5].view(-1)[0] = tensor(float.PositiveInfinity);

        var ex = Assert.Throws<NonFiniteException>(() => state.StepWeights(grads, 0.1));
        Assert.Equal($"the gradient of w became Inf (first in {state.Model.WeightNames[5]})", ex.Message);
        for (var i = 0; i < before.Length; i++) Assert.Equal(before[i], Tiny.Values(state.Model.Weights[i]));
        Assert.All(state.WeightOptimizer.MomentumBuffers, b => Assert.Equal(0f, b.abs().sum().item<float>()));
    }

    [Fact]
    public void A_non_finite_gradient_of_alpha_stops_the_step_before_alpha_or_adam_move()
    {
        using var scope = NewDisposeScope();
        using var state = new SearchState(Tiny.Model(), new OptimizerSettings());
        var before = Tiny.Values(state.Model.Alphas);
        var grad = zeros_like(state.Model.Alphas);
        grad[2, 3] = tensor(float.NaN);

        var ex = Assert.Throws<NonFiniteException>(() => state.StepArch([grad]));
        Assert.StartsWith("the gradient of α became NaN", ex.Message);
        Assert.Equal(before, Tiny.Values(state.Model.Alphas));
        Assert.Equal(0, state.ArchOptimizer.StepCount);
    }

    [Fact]
    public void The_state_check_names_the_first_non_finite_tensor_among_w_alpha_and_buffers()
    {
        using var state = new SearchState(Tiny.Model(), new OptimizerSettings());
        Assert.Null(state.FirstNonFiniteState());
        using (no_grad()) state.Model.Buffers[0].Tensor.view(-1)[0] = tensor(float.NaN);
        Assert.Equal($"NaN in {state.Model.Buffers[0].Name}", state.FirstNonFiniteState());
        using (no_grad()) state.Model.Alphas[0, 0] = tensor(float.NegativeInfinity);
        Assert.Equal("Inf in α", state.FirstNonFiniteState());
    }

    [Fact]
    public void A_non_finite_loss_is_reported_with_its_name_before_any_gradient()
    {
        using var scope = NewDisposeScope();
        Assert.Equal("the validation loss became NaN",
            Assert.Throws<NonFiniteException>(() => NonFinite.Loss(tensor(float.NaN), "validation loss")).Message);
        Assert.Equal(2.5, NonFinite.Loss(tensor(2.5f), "training loss"));
    }

    [Fact]
    public void A_run_whose_step_diverges_names_epoch_step_and_what_became_non_finite()
    {
        var options = Tiny.Options("darts-v1") with { Optimizer = new() { Lr = 1e30, LrMin = 1e30, GradClip = 0 } };
        var ex = Assert.Throws<SearchDivergedException>(() => SearchRunner.Run(options, Tiny.TempDir()));
        Assert.Matches(@"^the (training loss|validation loss|gradient of (w|α)) became (NaN|Inf)( \(first in .+\))? at epoch 1, step \d+$", ex.Message);
    }
}
