namespace SingleDarts.Abstractions;

/// <summary>Which way a metric is better.</summary>
[GenerateSerializer, Alias("SingleDarts.MetricBetter")]
public enum MetricBetter
{
    Neither,
    Higher,
    Lower,
}

/// <summary>How a metric's final values sum up across a method's seeds: mean ± std, or median with min–max.</summary>
[GenerateSerializer, Alias("SingleDarts.MetricSummary")]
public enum MetricSummary
{
    Mean,
    Median,
}

/// <summary>
/// A per-epoch number as its producer declared it (the search core's MetricDefinition, as plain values): what
/// every view, export column, instrument, dashboard panel and report figure is made from.
/// </summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.MetricInfo")]
public sealed record MetricInfo
{
    [Id(0)] public string Key { get; init; } = "";
    [Id(1)] public string Label { get; init; } = "";
    [Id(2)] public string Column { get; init; } = "";
    [Id(3)] public string Unit { get; init; } = "";
    [Id(4)] public double? Min { get; init; }
    [Id(5)] public double? Max { get; init; }
    [Id(6)] public MetricBetter Better { get; init; }
    [Id(7)] public MetricSummary Summary { get; init; }
    [Id(8)] public int Decimals { get; init; } = 2;
    [Id(9)] public bool Headline { get; init; }
    [Id(10)] public string Source { get; init; } = "";
    [Id(11)] public string Description { get; init; } = "";
    [Id(12)] public bool CollapseCount { get; init; }

    /// <summary>A value as tables print it ("–" for none).</summary>
    public string Format(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("F" + Decimals, System.Globalization.CultureInfo.InvariantCulture) : "–";

    /// <summary>An aggregate (a mean) printed with at least two decimals.</summary>
    public string FormatMean(double value) => value.ToString("F" + Math.Max(Decimals, 2), System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>What every consumer needs to know of a search space without the search core: its operations, α's rows, and its genotype slots.</summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.SpaceInfo")]
public sealed record SpaceInfo
{
    [Id(0)] public string Name { get; init; } = "";

    /// <summary>The candidate operations (α's columns).</summary>
    [Id(1)] public string[] Ops { get; init; } = [];

    /// <summary>α's groups and their rows (edge names), in order.</summary>
    [Id(2)] public string[] Groups { get; init; } = [];
    [Id(3)] public string[][] GroupEdges { get; init; } = [];

    /// <summary>Edges the collapse counts are taken over (NB201: 6; DARTS: the normal cell's 8).</summary>
    [Id(4)] public int CountedEdges { get; init; }

    /// <summary>What each genotype slot is, and what a slot's value means (indexed by value).</summary>
    [Id(5)] public string[] SlotLabels { get; init; } = [];
    [Id(6)] public string[] SlotValues { get; init; } = [];

    /// <summary>The consecutive epochs the collapse alarm waits for when a spec leaves them out (nb201: 5, darts: 3); 0 where not recorded.</summary>
    [Id(7)] public int DefaultAlarmEpochs { get; init; }
}
