namespace SingleDarts.Search.Strategies;

public static class SearchStrategies
{
    /// <summary>Every method's name, in the order they are listed to users.</summary>
    public static readonly IReadOnlyList<string> Names = ["single", "darts-v1", "darts-v2"];

    public static ISearchStrategy Create(string method) => method switch
    {
        "single" => new SingleLevel(),
        "darts-v1" => new DartsV1(),
        "darts-v2" => new DartsV2(),
        _ => throw new ArgumentException($"unknown method '{method}' (known: {string.Join(", ", Names)})", nameof(method)),
    };
}
