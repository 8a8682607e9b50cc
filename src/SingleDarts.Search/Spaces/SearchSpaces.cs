using System.Collections.Immutable;
using SingleDarts.Search.Spaces.Darts;
using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Search.Spaces;

/// <summary>The registry of search spaces: the one list of their names. A space added with <see cref="Register"/> is a space like the built-in ones.</summary>
public static class SearchSpaces
{
    private static ImmutableList<ISearchSpace> all = [Nb201Space.Instance, DartsSpace.Instance];

    public static IReadOnlyList<ISearchSpace> All => all;

    public static IReadOnlyList<string> Names => [.. all.Select(s => s.Name)];

    /// <summary>Adds a space (a plug-in, or a test's); its name must be new. Disposing the result removes it again.</summary>
    public static IDisposable Register(ISearchSpace space)
    {
        ImmutableInterlocked.Update(ref all, list => list.Any(s => s.Name == space.Name)
            ? throw new ArgumentException($"a search space named '{space.Name}' is already registered", nameof(space))
            : list.Add(space));
        return new Registration(space);
    }

    private sealed class Registration(ISearchSpace space) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) ImmutableInterlocked.Update(ref all, list => list.Remove(space));
        }
    }

    public static bool TryGet(string? name, out ISearchSpace space)
    {
        space = all.FirstOrDefault(s => s.Name == name)!;
        return space is not null;
    }

    /// <exception cref="ArgumentException">no space has that name (the message lists the known ones).</exception>
    public static ISearchSpace Get(string? name) => TryGet(name, out var space) ? space
        : throw new ArgumentException($"unknown search space '{name}' (known: {string.Join(", ", Names)})", nameof(name));
}
