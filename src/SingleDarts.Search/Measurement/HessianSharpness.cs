using SingleDarts.Search.Data;
using SingleDarts.Search.Diagnostics;
using SingleDarts.Search.Metrics;
using TorchSharp;

namespace SingleDarts.Search.Measurement;

/// <summary>
/// The field's collapse diagnostic (Zela et al., ICLR 2020): λ_max, the dominant eigenvalue of ∇²_α of the
/// cross-entropy on fixed held-out batches, by power iteration on double-backward Hessian-vector products
/// (<see cref="ValidationHessian"/>), every <see cref="Options.SearchOptions.HessianEvery"/> epochs and at the last.
/// <para>
/// As automl/RobustDARTS (src/search/train_search.py, src/utils.py EVLocalAvg): the loss is the validation
/// loss — data the weights are not trained on, where a sharp minimum in α means the discretised cell will
/// generalise badly — in train mode; its largest algebraic eigenvalue. Differences, deliberate: the reference
/// takes the full Hessian of one validation batch and numpy's eigvals every 2 epochs; we iterate on products
/// (the full Hessian is 224×224 in the DARTS space and grows with any larger space) over the first
/// <see cref="Options.SearchOptions.HessianBatches"/> held-out batches, the same ones every time (no augmentation), and the
/// loss without α's weight decay (the curvature of the loss itself). The start vector is drawn from a
/// generator of its own, seeded from the run's seed and the epoch: the value is reproducible, survives a resume
/// bit for bit, and the search's draws are untouched.
/// </para>
/// </summary>
public sealed class HessianSharpness : IMetricSource
{
    public const string Key = "hessian.lambda_max";

    /// <summary>
    /// The default interval: every epoch (the reference measures every 2; one estimate cost ~1 s next to a ~11.5 s epoch of
    /// single at the CPU-scale protocol, so every epoch keeps tables, gauges and curves dense; docs/methods.md has the figures).
    /// </summary>
    public const int DefaultEvery = 1;

    /// <summary>The power iteration's settings: the largest algebraic eigenvalue (RobustDARTS' max(eigvals(H))), products of retained graphs.</summary>
    public static readonly HessianOptions Settings = new()
    {
        MaxIterations = 20, Tolerance = 1e-3, Target = HessianTarget.LargestAlgebraic, RetainGraphs = true,
    };

    public IReadOnlyList<MetricDefinition> Declare(RunScope scope) => scope.IsSearch && (scope.Everything || scope.Search!.HessianEvery > 0)
        ?
        [
            new()
            {
                Key = Key, Label = "dominant eigenvalue of the held-out loss's Hessian w.r.t. α", Column = "λmax", Decimals = 4,
                Headline = true, Better = Better.Lower, Source = "diagnostic",
                Description = "λ_max of ∇²_α of the cross-entropy on fixed held-out batches (Zela et al. 2020), by power iteration; "
                              + "measured every hessian_every epochs and at the last; a steep rise precedes collapse",
            },
        ]
        : [];

    /// <summary>Whether <paramref name="epoch"/> (1-based) of a run of <paramref name="epochs"/> measures λ_max every <paramref name="every"/>.</summary>
    public static bool Due(int epoch, int epochs, int every) => every > 0 && (epoch % every == 0 || epoch == epochs);

    public void Measure(IEpochContext epoch, IDictionary<string, double> into)
    {
        if (epoch.Scope.Search is not { } options || epoch.Model is not { } model) return;
        if (!Due(epoch.Epoch, options.Epochs, options.HessianEvery)) return;
        var batches = epoch.HeldOutBatches(options.HessianBatches);
        if (batches.Count == 0) return;
        using var generator = new torch.Generator(Rng.For(options.Seed, $"hessian-epoch-{epoch.Epoch}").NextUInt64() >> 1, torch.CPU);
        into[Key] = ValidationHessian.DominantEigenvalue(model, batches, Settings, generator).Eigenvalue;
    }
}
