using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Strategies;

/// <summary>
/// First-order DARTS: α steps on the gradient of the validation loss at the current w, then w
/// steps on a training batch under the new α.
/// </summary>
public sealed class DartsV1 : ISearchStrategy
{
    public string Name => "darts-v1";
    public bool UsesValidation => true;

    public StepStats Step(SearchState state, IBatchSource train, IBatchSource? valid, double lr)
    {
        ArgumentNullException.ThrowIfNull(valid);
        var model = state.Model;
        model.Training = true;
        using var scope = NewDisposeScope();

        using (var validBatch = valid.Next())
        using (var archScope = NewDisposeScope())
        {
            var validLoss = Losses.CrossEntropy(model, validBatch);
            NonFinite.Loss(validLoss, "validation loss");
            state.StepAlphas(Losses.Grad(validLoss, [model.Alphas])[0]);
        }

        using var batch = train.Next();
        var loss = Losses.CrossEntropy(model, batch, out var correct);
        var lossValue = NonFinite.Loss(loss, "training loss");
        state.StepWeights(Losses.Grad(loss, model.Weights).ToArray(), lr);
        return new StepStats(lossValue, correct, batch.Count);
    }
}
