using SingleDarts.Abstractions;
using SingleDarts.Grains;
using SingleDarts.Search.Runs;
using SingleDarts.Tests;

namespace SingleDarts.Grains.Tests;

/// <summary>Tiny searches (a few hundred milliseconds each) so that whole sweeps fit in a test.</summary>
internal static class Tiny
{
    public static SearchOptions Options(int epochs = 2) => TinySearch.Options(epochs: epochs);

    public static SweepSpec Spec(string[] methods, long[] seeds, int epochs = 2, int collapseThreshold = 4) => new()
    {
        Name = "tiny",
        Methods = methods,
        Seeds = seeds,
        SearchJson = SearchOptionsJson.ToJson(Options(epochs)),
        CollapseThreshold = collapseThreshold,
    };

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static string TempDir() => TinySearch.TempDir();
}
