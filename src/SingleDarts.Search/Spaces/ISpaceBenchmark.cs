using SingleDarts.Search.Metrics;

namespace SingleDarts.Search.Spaces;

/// <summary>
/// A space's ground truth: a lookup of a genotype's true quality (NAS-Bench-201's tabulated accuracies; a
/// surrogate such as NAS-Bench-301 would plug in the same way). What it reports is declared as metrics.
/// </summary>
public interface ISpaceBenchmark
{
    /// <summary>Its name in options and specs (<c>nb201</c>).</summary>
    string Name { get; }

    /// <summary>Whether a run with these settings looks its cells up (e.g. not with <c>--nb201 none</c>).</summary>
    bool AppliesTo(BenchmarkSettings settings);

    /// <summary>What it reports for a run with these settings; null settings: everything it may report for any run.</summary>
    IReadOnlyList<MetricDefinition> Metrics(BenchmarkSettings? settings);

    /// <summary>A run's lookup (the table opened once); a <see cref="Data.DataException"/> names what is wrong with the table.</summary>
    IBenchmarkLookup Open(BenchmarkSettings settings, string dataFormat, int classes);
}

/// <summary>What a run says about its benchmark: the table option (<c>builtin</c>, <c>none</c>, a path, or null for the default), the dataset that ranks, and the data it searches (a name or a path).</summary>
public sealed record BenchmarkSettings(string? Table, string Dataset, string? Data = null);

/// <summary>One run's benchmark: the values of a genotype, and what the run's config records of it.</summary>
public interface IBenchmarkLookup
{
    /// <summary>Where its table comes from ("builtin", a path) and the dataset that ranks.</summary>
    string Source { get; }
    string Dataset { get; }

    /// <summary>Adds the genotype's values (nothing for a genotype the table lacks).</summary>
    void Measure(ISpaceGenotype genotype, IDictionary<string, double> into);
}
