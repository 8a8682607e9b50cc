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
        ArchOptimizer = new Adam([model.Alphas], options.ArchLr, options.ArchBeta1, options.ArchBeta2, options.ArchWeightDecay);
    }

    public ISearchModel Model { get; }
    public OptimizerSettings Options { get; }
    public Sgd WeightOptimizer { get; }
    public Adam ArchOptimizer { get; }

    /// <summary>Gradient-norm clip then SGD step of w.</summary>
    public void StepWeights(IReadOnlyList<Tensor> grads, double lr)
    {
        if (Options.GradClip > 0) GradClip.ClipByGlobalNorm(grads, Options.GradClip);
        WeightOptimizer.Step(grads, lr);
    }

    public void StepAlphas(Tensor grad) => ArchOptimizer.Step([grad]);

    public void Dispose()
    {
        WeightOptimizer.Dispose();
        ArchOptimizer.Dispose();
        Model.Dispose();
    }
}
