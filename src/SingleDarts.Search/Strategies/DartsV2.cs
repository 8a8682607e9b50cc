using SingleDarts.Search.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Strategies;

/// <summary>
/// Second-order DARTS. α's gradient is that of L_val(w', α) on the unrolled weights
/// w' = w − ξ·(∇w L_train + momentum·buffer + decay·w), ξ = the current learning rate of w:
/// ∇α L_val(w', α) − ξ·∇²_{α,w} L_train(w, α)·∇w' L_val(w', α), the Hessian-vector product by
/// central finite differences at w ± ε·∇w' L_val with ε = 0.01 / ‖∇w' L_val‖. Then w steps on the
/// same training batch under the new α, as in DARTS.
/// BatchNorm running statistics: the pass on w' runs on a throwaway copy in DARTS, so its update
/// is undone here; the finite-difference passes update them, as in DARTS.
/// </summary>
public sealed class DartsV2 : ISearchStrategy
{
    public const double FiniteDifferenceScale = 0.01;

    public bool UsesValidation => true;

    public StepStats Step(SearchState state, IBatchSource train, IBatchSource? valid, double lr)
    {
        ArgumentNullException.ThrowIfNull(valid);
        var model = state.Model;
        model.Training = true;
        using var scope = NewDisposeScope();
        using var batch = train.Next();
        using (var validBatch = valid.Next())
        using (var archScope = NewDisposeScope())
            state.StepArch(Hypergradient(state, batch, validBatch, lr));

        using var perturbed = model.Perturb(state.Parts.Perturbation);
        var loss = Losses.CrossEntropy(model, batch, out var correct);
        var lossValue = NonFinite.Loss(loss, "training loss");
        state.StepWeights(Losses.Grad(loss, model.Weights).ToArray(), lr);
        return new StepStats(lossValue, correct, batch.Count);
    }

    /// <summary>
    /// The second-order gradient of the validation loss with respect to every architecture parameter (α, and β where the
    /// method has it), plus the gradient of α's regularisers where the method has them (w is left unchanged).
    /// </summary>
    public static Tensor[] Hypergradient(SearchState state, Batch train, Batch valid, double xi)
    {
        var model = state.Model;
        var weights = model.Weights;
        using var scope = NewDisposeScope();
        var original = weights.Select(w => w.detach().clone()).ToArray();

        // w' = w − ξ·(g + momentum·buffer + decay·w)
        var trainGrads = Losses.Grad(Losses.CrossEntropy(model, train), weights);
        using var minusXi = (-xi).ToScalar();
        using (no_grad())
            for (var i = 0; i < weights.Count; i++)
                using (var d = state.WeightOptimizer.Direction(i, trainGrads[i]))
                    weights[i].add_(d, minusXi);

        // ∇α and ∇w' of L_val(w', α); the running statistics of this pass are discarded.
        var savedBuffers = model.Buffers.Select(b => b.Tensor.clone()).ToArray();
        var arch = model.ArchParameters;
        var valGrads = Losses.Grad(Losses.CrossEntropy(model, valid), weights.Concat(arch));
        var dArch = valGrads.Skip(weights.Count).ToArray();
        var dW = valGrads.Take(weights.Count).ToArray();
        using (no_grad())
            for (var i = 0; i < savedBuffers.Length; i++)
                model.Buffers[i].Tensor.copy_(savedBuffers[i]);

        var norm = Scalars.ValueOf(stack(dW.Select(g => g.norm()).ToArray()).norm());
        var eps = FiniteDifferenceScale / norm;

        var gPlus = AlphaGradAt(model, original, dW, eps, train);
        var gMinus = AlphaGradAt(model, original, dW, -eps, train);
        using (no_grad())
            for (var i = 0; i < weights.Count; i++)
                weights[i].copy_(original[i]);

        using var twoEps = (2 * eps).ToScalar();
        var result = new Tensor[arch.Count];
        var regGrads = state.ArchRegularizer() is { } reg ? Losses.Grad(reg, [arch[0]]) : null;
        for (var i = 0; i < arch.Count; i++)
        {
            var hessianVector = gPlus[i].add(gMinus[i], Scalars.MinusOne).div_(twoEps);
            result[i] = dArch[i].add(hessianVector, minusXi);
            if (i == 0 && regGrads is not null) result[i] = result[i].add(regGrads[0], Scalars.One);
            result[i] = result[i].MoveToOuterDisposeScope();
        }
        return result;
    }

    private static IList<Tensor> AlphaGradAt(ISearchModel model, Tensor[] origin, Tensor[] direction, double step, Batch batch)
    {
        var weights = model.Weights;
        using var scale = step.ToScalar();
        using (no_grad())
            for (var i = 0; i < weights.Count; i++)
                weights[i].copy_(origin[i]).add_(direction[i], scale);
        return Losses.Grad(Losses.CrossEntropy(model, batch), model.ArchParameters);
    }
}
