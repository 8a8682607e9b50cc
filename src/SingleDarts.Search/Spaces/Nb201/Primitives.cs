namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>The five candidate operations of NAS-Bench-201, in the benchmark's column order.</summary>
public static class Primitives
{
    public const int None = 0, SkipConnect = 1, Conv1x1 = 2, Conv3x3 = 3, AvgPool3x3 = 4;

    public static readonly IReadOnlyList<string> Names =
        ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"];

    public static int Count => Names.Count;

    /// <summary>Operations without weights: the ones a collapsed cell is made of.</summary>
    public static bool IsParameterFree(int op) => op is None or SkipConnect or AvgPool3x3;

    public static int IndexOf(string name)
    {
        for (var i = 0; i < Names.Count; i++)
            if (Names[i] == name) return i;
        return -1;
    }
}

/// <summary>The six edges of a cell: node <see cref="To"/> receives from node <see cref="From"/>.</summary>
public readonly record struct Edge(int To, int From)
{
    public const int NodeCount = 4;

    /// <summary>α rows in the benchmark's order: 1←0, 2←0, 2←1, 3←0, 3←1, 3←2.</summary>
    public static readonly IReadOnlyList<Edge> All = Enumerate().ToArray();

    public static int Count => All.Count;

    private static IEnumerable<Edge> Enumerate()
    {
        for (var to = 1; to < NodeCount; to++)
            for (var from = 0; from < to; from++)
                yield return new Edge(to, from);
    }

    public override string ToString() => $"{To}<-{From}";
}
