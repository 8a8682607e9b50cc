using SingleDarts.Search.Metrics;

namespace SingleDarts.Search.Spaces;

/// <summary>
/// A collapse rule counts edges of one kind among a space's counted edges: it names one of the space's
/// count metrics (<see cref="MetricDefinition.CollapseCount"/>). Specs write the short names.
/// </summary>
public static class CollapseRules
{
    public const string ParamFree = "param_free", SkipConnect = "skip_connect";

    /// <summary>The metric key a rule name counts (<c>param_free</c> → <c>cell.param_free</c>).</summary>
    public static string MetricKey(string rule) => rule.Contains('.', StringComparison.Ordinal) ? rule : $"cell.{rule}";

    /// <summary>The rule names a space offers: its count metrics, short.</summary>
    public static IReadOnlyList<string> Of(ISearchSpace space) =>
        [.. space.CellMetrics.Where(m => m.CollapseCount).Select(m => m.Key.StartsWith("cell.", StringComparison.Ordinal) ? m.Key[5..] : m.Key)];
}
