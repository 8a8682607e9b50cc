namespace SingleDarts.Search.Spaces.Darts;

/// <summary>The eight candidate operations of the DARTS CNN space, in the DARTS code's PRIMITIVES order (α's columns).</summary>
public static class DartsPrimitives
{
    public const int None = 0, MaxPool3x3 = 1, AvgPool3x3 = 2, SkipConnect = 3, SepConv3x3 = 4, SepConv5x5 = 5, DilConv3x3 = 6, DilConv5x5 = 7;

    public static readonly IReadOnlyList<string> Names =
        ["none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"];

    public static int Count => Names.Count;

    /// <summary>Operations without weights (none excluded: a genotype never holds it).</summary>
    public static bool IsParameterFree(int op) => op is None or MaxPool3x3 or AvgPool3x3 or SkipConnect;

    public static int IndexOf(string name)
    {
        for (var i = 0; i < Names.Count; i++)
            if (Names[i] == name) return i;
        return -1;
    }
}

/// <summary>The 14 edges of a DARTS cell: intermediate node <see cref="Node"/> (0–3, i.e. states 2–5) receives from state <see cref="From"/>.</summary>
public readonly record struct DartsEdge(int Node, int From)
{
    /// <summary>Intermediate nodes of a cell.</summary>
    public const int Steps = 4;

    /// <summary>α rows in the DARTS code's order: node 0 ← states 0, 1; node 1 ← 0, 1, 2; node 2 ← 0–3; node 3 ← 0–4.</summary>
    public static readonly IReadOnlyList<DartsEdge> All = Enumerate().ToArray();

    public static int Count => All.Count;

    /// <summary>The first α row of the edges into <paramref name="node"/>.</summary>
    public static int FirstRow(int node) => node * (node + 3) / 2;

    private static IEnumerable<DartsEdge> Enumerate()
    {
        for (var node = 0; node < Steps; node++)
            for (var from = 0; from < node + 2; from++)
                yield return new DartsEdge(node, from);
    }

    public override string ToString() => $"{Node + 2}<-{From}";
}
