using SingleDarts.Abstractions;

namespace SingleDarts.Reports;

/// <summary>
/// A number the report compares and draws: what every search has (the supernet's held-out accuracy), what
/// every evaluation has (test accuracy), and every metric the sweep declared — each with its declared range,
/// so that axes stay inside it (counts never below 0, percentages never above 100).
/// </summary>
public sealed record ReportMetric(string Key, string Title, string Unit, double? Min, double? Max, MetricBetter Better, Func<EpochSummary, double?> Value,
    bool OfEvaluation = false)
{
    public static ReportMetric Valid { get; } = new("valid", "supernet held-out accuracy", "%", 0, 100, MetricBetter.Higher, e => e.ValidAcc * 100);

    public static ReportMetric Test { get; } = new("test", "test accuracy, genotype trained from scratch", "%", 0, 100, MetricBetter.Higher, e => e.TestAcc * 100, OfEvaluation: true);

    public static ReportMetric Of(MetricInfo m) => new(m.Key, m.Label, m.Unit, m.Min, m.Max, m.Better, e => e.Metric(m.Key));

    /// <summary>The file-name part of its figures.</summary>
    public string Slug => Key.Replace('.', '-');

    /// <summary>Its title with its unit: "NAS-Bench-201 test accuracy (%)".</summary>
    public string Heading => Unit.Length > 0 ? $"{Title} ({Unit})" : Title;

    /// <summary>How a difference reads: which way is better.</summary>
    public string BetterText => Better switch
    {
        MetricBetter.Higher => "higher is better",
        MetricBetter.Lower => "lower is better",
        _ => "neither way is better",
    };
}
