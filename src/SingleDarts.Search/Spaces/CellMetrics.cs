using SingleDarts.Search.Metrics;

namespace SingleDarts.Search.Spaces;

/// <summary>The counts every space reports of a genotype's counted cell: its parameter-free and skip_connect edges.</summary>
public static class CellMetrics
{
    public const string ParamFree = "cell.param_free", SkipConnect = "cell.skip_connect";

    /// <param name="cell">what the counted edges are, e.g. "the cell's 6" or "the normal cell's 8".</param>
    /// <param name="parameterFree">the space's parameter-free operations, in words.</param>
    public static IReadOnlyList<MetricDefinition> Declare(string space, int countedEdges, string cell, string parameterFree) =>
    [
        new()
        {
            Key = ParamFree, Label = $"parameter-free edges of {cell}", Column = "param-free", Unit = "edges",
            Min = 0, Max = countedEdges, Better = Better.Lower, Decimals = 0, Headline = true, CollapseCount = true, Source = $"{space} space",
            Description = $"edges of {cell} whose chosen operation has no weights ({parameterFree}): a collapsed cell is made of them",
        },
        new()
        {
            Key = SkipConnect, Label = $"skip_connect edges of {cell}", Column = "skip", Unit = "edges",
            Min = 0, Max = countedEdges, Better = Better.Lower, Decimals = 0, Headline = true, CollapseCount = true, Source = $"{space} space",
            Description = $"edges of {cell} that chose skip_connect (the DARTS literature's collapse signal)",
        },
    ];

    public static void Measure(ISpaceGenotype genotype, IDictionary<string, double> into)
    {
        into[ParamFree] = genotype.ParameterFreeEdges;
        into[SkipConnect] = genotype.SkipConnects;
    }
}
