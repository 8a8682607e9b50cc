using System.Collections.Immutable;
using SingleDarts.Search.Metrics;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Search.Measurement;

/// <summary>
/// Every per-epoch number a run reports comes from a source registered here: the space's cell counts, the
/// space's benchmark, the diagnostics; <see cref="Register"/> adds one (a plug-in's or a test's), which then
/// reaches every consumer — records, coordinator, CLI, export, metrics, dashboard, report — with no other change.
/// </summary>
public static class MetricSources
{
    private static ImmutableList<IMetricSource> all = [new CellCounts(), new SpaceBenchmark(), new AlphaEntropy(), new HessianSharpness()];

    public static IReadOnlyList<IMetricSource> All => all;

    /// <summary>Adds a source; disposing the result removes it again (a test's registration ends with the test).</summary>
    public static IDisposable Register(IMetricSource source)
    {
        ImmutableInterlocked.Update(ref all, list => list.Add(source));
        return new Registration(() => ImmutableInterlocked.Update(ref all, list => list.Remove(source)));
    }

    /// <summary>What a run of <paramref name="scope"/> reports, in source order (each key once).</summary>
    public static IReadOnlyList<MetricDefinition> Declared(RunScope scope)
    {
        var declared = new List<MetricDefinition>();
        foreach (var m in all.SelectMany(s => s.Declare(scope)))
        {
            if (!MetricDefinition.IsValidKey(m.Key)) throw new InvalidOperationException($"metric key '{m.Key}' is not valid (lower-case letters, digits, '_' and '.')");
            if (declared.All(d => d.Key != m.Key)) declared.Add(m);
        }
        return declared;
    }

    /// <summary>This epoch's values of every source (keys sorted, so records and files are stable).</summary>
    public static SortedDictionary<string, double> Measure(IEpochContext epoch)
    {
        var values = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var source in all) source.Measure(epoch, values);
        return values;
    }

    /// <summary>The space's counts of the cell (<see cref="ISearchSpace.CellMetrics"/>).</summary>
    private sealed class CellCounts : IMetricSource
    {
        public IReadOnlyList<MetricDefinition> Declare(RunScope scope) => scope.Space.CellMetrics;

        public void Measure(IEpochContext epoch, IDictionary<string, double> into) => epoch.Scope.Space.MeasureCell(epoch.Genotype, into);
    }

    /// <summary>The space's benchmark (<see cref="ISearchSpace.Benchmark"/>) on a search's cell.</summary>
    private sealed class SpaceBenchmark : IMetricSource
    {
        public IReadOnlyList<MetricDefinition> Declare(RunScope scope) =>
            scope is { IsSearch: true, Space.Benchmark: { } b, Search: { } o }
                ? b.Metrics(scope.Everything ? null : new BenchmarkSettings(scope.Table ?? o.Nb201, o.Nb201Dataset, o.Data))
                : [];

        public void Measure(IEpochContext epoch, IDictionary<string, double> into)
        {
            if (epoch.Scope.IsSearch) epoch.Benchmark?.Measure(epoch.Genotype, into);
        }
    }

    private sealed class Registration(Action remove) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) remove();
        }
    }
}
