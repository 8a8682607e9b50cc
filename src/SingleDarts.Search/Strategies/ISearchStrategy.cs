namespace SingleDarts.Search.Strategies;

/// <summary>One search step: how w and α get their gradients and are stepped.</summary>
public interface ISearchStrategy
{
    /// <summary>True for bi-level methods, which draw α's batches from a validation split.</summary>
    bool UsesValidation { get; }

    /// <param name="state">model and both optimisers.</param>
    /// <param name="train">training batches; every strategy takes exactly one per step.</param>
    /// <param name="valid">validation batches (bi-level methods only).</param>
    /// <param name="lr">the current learning rate of w.</param>
    StepStats Step(SearchState state, IBatchSource train, IBatchSource? valid, double lr);
}
