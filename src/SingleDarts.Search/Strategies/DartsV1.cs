using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Strategies;

/// <summary>
/// First-order DARTS: α steps on the gradient of the validation loss at the current w, then w
/// steps on a training batch under the new α.
/// </summary>
public sealed class DartsV1 : ISearchStrategy
{
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
            var total = state.ArchRegularizer() is { } reg ? validLoss.add(reg, Nn.Scalars.One) : validLoss;
            state.StepArch([.. Losses.Grad(total, model.ArchParameters)]);
        }

        using var batch = train.Next();
        // SDARTS-RS perturbs the operation weights for the w step alone (ε 0: no perturbation)
        using var perturbed = model.Perturb(state.Parts.Perturbation);
        var loss = Losses.CrossEntropy(model, batch, out var correct);
        var lossValue = NonFinite.Loss(loss, "training loss");
        state.StepWeights(Losses.Grad(loss, model.Weights).ToArray(), lr);
        return new StepStats(lossValue, correct, batch.Count);
    }
}
