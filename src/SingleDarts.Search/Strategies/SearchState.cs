using SingleDarts.Search.Optim;
using static TorchSharp.torch;

namespace SingleDarts.Search.Strategies;

/// <summary>Hyperparameters of the two optimisers (defaults: the NAS-Bench-201 protocol).</summary>
public sealed record OptimizerSettings
{
    public double Lr { get; init; } = 0.025;
    public double LrMin { get; init; } = 0.001;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 3e-4;
    public double GradClip { get; init; } = 5.0;
    public double ArchLr { get; init; } = 3e-4;
    public double ArchBeta1 { get; init; } = 0.5;
    public double ArchBeta2 { get; init; } = 0.999;
    public double ArchWeightDecay { get; init; } = 1e-3;
}

/// <summary>The trained state of a search: model (w, α, buffers) and the optimisers of w and α.</summary>
public sealed class SearchState : IDisposable
{
    public SearchState(ISearchModel model, OptimizerSettings options)
    {
        Model = model;
        Options = options;
        WeightOptimizer = new Sgd(model.Weights, options.Momentum, options.WeightDecay);
        ArchOptimizer = new Adam([.. model.ArchParameters], options.ArchLr, options.ArchBeta1, options.ArchBeta2, options.ArchWeightDecay);
    }

    /// <summary>The method's parts as they stand this epoch (set by the run at each epoch's start).</summary>
    public StepParts Parts { get; set; } = StepParts.None;

    public ISearchModel Model { get; }
    public OptimizerSettings Options { get; }
    public Sgd WeightOptimizer { get; }
    public Adam ArchOptimizer { get; }

    /// <summary>Gradient-norm clip then SGD step of w; a NaN/Inf gradient throws <see cref="NonFiniteException"/> and steps nothing.</summary>
    public void StepWeights(IReadOnlyList<Tensor> grads, double lr)
    {
        var norm = GradClip.GlobalNorm(grads);
        NonFinite.Gradients(norm, grads, "w", i => Model.WeightNames[i]);
        if (Options.GradClip > 0) GradClip.Clip(grads, Options.GradClip, norm);
        WeightOptimizer.Step(grads, lr);
    }

    /// <summary>Adam step of the architecture parameters (α, and β where the method has it), one gradient each; a NaN/Inf gradient throws <see cref="NonFiniteException"/> and steps nothing.</summary>
    public void StepArch(IReadOnlyList<Tensor> grads)
    {
        NonFinite.Gradients(GradClip.GlobalNorm(grads), grads, "α", i => i == 0 ? "alphas" : "betas");
        ArchOptimizer.Step(grads);
    }

    /// <summary>
    /// What a step adds to the loss α is stepped on: β-DARTS' β-decay term and DrNAS' KL term, as this epoch's parts
    /// say; null when neither is on. Neither depends on w, so w's gradient is the same with or without it.
    /// </summary>
    public Tensor? ArchRegularizer()
    {
        Tensor? total = null;
        if (Parts.BetaDecay > 0) total = SingleDarts.Search.Parts.BetaDecay.Term(Model.Alphas, Parts.BetaDecay);
        if (Parts.DirichletKl > 0)
        {
            var kl = Relaxations.DirichletRelaxation.KlRegulariser(Model.Alphas, Parts.DirichletKl);
            total = total is null ? kl : total.add(kl, Nn.Scalars.One);
        }
        return total;
    }

    /// <summary>The first of w, α and the buffers that holds NaN/Inf ("w: name", …); null when all are finite.</summary>
    public string? FirstNonFiniteState()
    {
        var (w, kind) = NonFinite.FirstNonFinite(Model.Weights);
        if (w >= 0) return $"{kind} in w ({Model.WeightNames[w]})";
        (_, kind) = NonFinite.FirstNonFinite([.. Model.ArchParameters]);
        if (kind is not null) return $"{kind} in α";
        var (b, bufferKind) = NonFinite.FirstNonFinite([.. Model.Buffers.Select(x => x.Tensor)]);
        return b >= 0 ? $"{bufferKind} in {Model.Buffers[b].Name}" : null;
    }

    public void Dispose()
    {
        WeightOptimizer.Dispose();
        ArchOptimizer.Dispose();
        Model.Dispose();
    }
}
