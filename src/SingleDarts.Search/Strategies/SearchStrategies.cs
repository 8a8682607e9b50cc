namespace SingleDarts.Search.Strategies;

public static class SearchStrategies
{
    public static ISearchStrategy Create(string method) => method switch
    {
        "single" => new SingleLevel(),
        "darts-v1" => new DartsV1(),
        "darts-v2" => new DartsV2(),
        _ => throw new ArgumentException($"unknown method '{method}' (known: single, darts-v1, darts-v2)", nameof(method)),
    };
}
