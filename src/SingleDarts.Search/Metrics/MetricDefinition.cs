namespace SingleDarts.Search.Metrics;

/// <summary>Which way a metric is better (how a report words a difference; how a dashboard colours it).</summary>
public enum Better
{
    /// <summary>Neither way: a description of the run, not a quality (e.g. α's entropy).</summary>
    Neither,
    Higher,
    Lower,
}

/// <summary>How a metric's final values sum up across the seeds of a method.</summary>
public enum Summary
{
    /// <summary>Mean ± sample standard deviation (accuracies, counts).</summary>
    Mean,

    /// <summary>Median with min–max (ranks: skewed, and a mean rank means little).</summary>
    Median,
}

/// <summary>
/// One per-epoch number, declared once by what produces it (a space, its benchmark, a diagnostic, a method):
/// every consumer — the coordinator's state and curves, the CLI's columns, the export, the OpenTelemetry
/// instruments, the dashboard and the report — iterates over these declarations and names no metric itself.
/// </summary>
public sealed record MetricDefinition
{
    /// <summary>Its key in epoch records, exports and instrument names: lower case, dot-separated (<c>nb201.cifar10</c>).</summary>
    public required string Key { get; init; }

    /// <summary>What it is, in words (report titles, the export's header comment, instrument descriptions).</summary>
    public required string Label { get; init; }

    /// <summary>A short column header for tables (<c>NB201 %</c>).</summary>
    public required string Column { get; init; }

    /// <summary>%, edges, nats, rank, …; "" for a plain number.</summary>
    public string Unit { get; init; } = "";

    /// <summary>The range values can take (null: unbounded on that side); axes of figures and panels honour it.</summary>
    public double? Min { get; init; }
    public double? Max { get; init; }

    public Better Better { get; init; }
    public Summary Summary { get; init; }

    /// <summary>Digits after the point in tables.</summary>
    public int Decimals { get; init; } = 2;

    /// <summary>Shown in the compact tables (sweep status, watch); every metric is in seed show, the export and the report.</summary>
    public bool Headline { get; init; }

    /// <summary>What declares it, for people: "nb201 space", "nb201 benchmark", "diagnostic".</summary>
    public string Source { get; init; } = "";

    /// <summary>A longer explanation (definition, caveats).</summary>
    public string Description { get; init; } = "";

    /// <summary>Whether a count of edges of this kind can be a collapse rule (the cell's parameter-free or skip_connect edges).</summary>
    public bool CollapseCount { get; init; }

    /// <summary>Keys are lower-case letters, digits, '_' and '.', starting with a letter (they become instrument and column names).</summary>
    public static bool IsValidKey(string key) =>
        key.Length is > 0 and <= 64 && char.IsAsciiLetterLower(key[0]) && key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '.')
        && !key.EndsWith('.') && !key.Contains("..", StringComparison.Ordinal);
}
