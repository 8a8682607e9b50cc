using SingleDarts.Search.Metrics;

namespace SingleDarts.Search.Measurement;

/// <summary>
/// How decided α is: the mean over edges of the entropy (nats) of the edge's operation weights,
/// normalised to sum to one (softmax weights already do; sigmoid weights are renormalised). ln(ops) is
/// uniform — α has not moved — and 0 one operation holding all the weight.
/// </summary>
public sealed class AlphaEntropy : IMetricSource
{
    public const string Key = "alpha.entropy";

    public IReadOnlyList<MetricDefinition> Declare(RunScope scope) => scope.IsSearch
        ?
        [
            new()
            {
                Key = Key, Label = "mean entropy of the relaxed α per edge", Column = "H(α)", Unit = "nats",
                Min = 0, Max = Math.Log(scope.Space.Operations.Count), Decimals = 4, Headline = true, Source = "diagnostic",
                Description = $"mean over α's rows of the entropy of the row's operation weights; ln {scope.Space.Operations.Count} = {Math.Log(scope.Space.Operations.Count):F4} is uniform, 0 fully decided",
            },
        ]
        : [];

    public void Measure(IEpochContext epoch, IDictionary<string, double> into)
    {
        if (epoch.Relaxed is { } relaxed) into[Key] = Mean(relaxed);
    }

    public static double Mean(float[,] weights)
    {
        var rows = weights.GetLength(0);
        if (rows == 0) return double.NaN;
        var sum = 0.0;
        for (var r = 0; r < rows; r++)
        {
            var total = 0.0;
            for (var c = 0; c < weights.GetLength(1); c++) total += weights[r, c];
            var h = 0.0;
            for (var c = 0; c < weights.GetLength(1); c++)
            {
                var p = weights[r, c] / total;
                if (p > 0) h -= p * Math.Log(p);
            }
            sum += h;
        }
        return sum / rows;
    }
}
