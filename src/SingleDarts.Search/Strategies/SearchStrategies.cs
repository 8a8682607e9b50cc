namespace SingleDarts.Search.Strategies;

/// <summary>The optimisation levels' strategies: how w and α get their gradients and are stepped.</summary>
public static class SearchStrategies
{
    /// <summary>The strategy of a level: single (Single-DARTS), first-order (DARTS-V1) or second-order (DARTS-V2) bi-level.</summary>
    public static ISearchStrategy Create(bool biLevel, bool secondOrder) =>
        !biLevel ? new SingleLevel() : secondOrder ? new DartsV2() : new DartsV1();
}
