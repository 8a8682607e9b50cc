using SingleDarts.Search.Spaces.Darts;
using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Search.Spaces;

/// <summary>The registry of search spaces: the one list of their names.</summary>
public static class SearchSpaces
{
    public static readonly IReadOnlyList<ISearchSpace> All = [Nb201Space.Instance, DartsSpace.Instance];

    public static readonly IReadOnlyList<string> Names = [.. All.Select(s => s.Name)];

    public static bool TryGet(string? name, out ISearchSpace space)
    {
        space = All.FirstOrDefault(s => s.Name == name)!;
        return space is not null;
    }

    /// <exception cref="ArgumentException">no space has that name (the message lists the known ones).</exception>
    public static ISearchSpace Get(string? name) => TryGet(name, out var space) ? space
        : throw new ArgumentException($"unknown search space '{name}' (known: {string.Join(", ", Names)})", nameof(name));
}
