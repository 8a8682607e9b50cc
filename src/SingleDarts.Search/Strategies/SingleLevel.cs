using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Strategies;

/// <summary>
/// Single-DARTS: one training batch, one forward and one backward give the gradients of both w
/// and α, and both are stepped (SGD with gradient clipping for w, Adam for α).
/// </summary>
public sealed class SingleLevel : ISearchStrategy
{
    public bool UsesValidation => false;

    public StepStats Step(SearchState state, IBatchSource train, IBatchSource? valid, double lr)
    {
        var model = state.Model;
        model.Training = true;
        using var scope = NewDisposeScope();
        using var batch = train.Next();
        var loss = Losses.CrossEntropy(model, batch, out var correct);
        var lossValue = NonFinite.Loss(loss, "training loss");
        // α's regularisers (β-decay, DrNAS' KL) hold no w: w's gradient is the loss's alone
        var total = state.ArchRegularizer() is { } reg ? loss.add(reg, Nn.Scalars.One) : loss;
        var grads = Losses.Grad(total, model.Weights.Concat(model.ArchParameters));
        var weightGrads = grads.Take(model.Weights.Count).ToArray();
        state.StepWeights(weightGrads, lr);
        state.StepArch([.. grads.Skip(model.Weights.Count)]);
        return new StepStats(lossValue, correct, batch.Count);
    }
}
