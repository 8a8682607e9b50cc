namespace SingleDarts.Search.Strategies;

/// <summary>A search method: its name, whether it steps α on held-out validation batches, and its strategy.</summary>
public sealed record SearchMethod(string Name, bool UsesValidation, Func<ISearchStrategy> Create, string Summary);

/// <summary>The registry of search methods: the one list of their names.</summary>
public static class SearchStrategies
{
    public static readonly IReadOnlyList<SearchMethod> All =
    [
        new("single", false, () => new SingleLevel(), "Single-DARTS: w and α stepped together on one training batch"),
        new("darts-v1", true, () => new DartsV1(), "first-order DARTS: α on a validation batch, then w"),
        new("darts-v2", true, () => new DartsV2(), "second-order DARTS: α on the unrolled validation loss, then w"),
    ];

    /// <summary>Every method's name, in the order they are listed to users.</summary>
    public static readonly IReadOnlyList<string> Names = [.. All.Select(m => m.Name)];

    public static bool TryGet(string? name, out SearchMethod method)
    {
        method = All.FirstOrDefault(m => m.Name == name)!;
        return method is not null;
    }

    /// <summary>Whether <paramref name="method"/> validates α on held-out images (false for unknown names).</summary>
    public static bool UsesValidation(string? method) => TryGet(method, out var m) && m.UsesValidation;

    public static ISearchStrategy Create(string method) => TryGet(method, out var m) ? m.Create()
        : throw new ArgumentException($"unknown method '{method}' (known: {string.Join(", ", Names)})", nameof(method));
}
