using SingleDarts.Search.Metrics;
using SingleDarts.Search.Options;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Strategies;

namespace SingleDarts.Search.Measurement;

/// <summary>The kinds of runs: a search, or the training from scratch of a genotype.</summary>
public static class RunKinds
{
    public const string Search = "search", Evaluation = "evaluation";
}

/// <summary>What a metric source is told of a run before it starts: enough to declare what it will measure.</summary>
/// <param name="Search">the search's options; null for an evaluation.</param>
/// <param name="Evaluation">the evaluation's options; null for a search.</param>
/// <param name="Table">the benchmark table the run actually opened (builtin, a path, none), once known; null: as the options say.</param>
/// <param name="Everything">declare everything a run of this kind and space may report, whatever its options and data (a dashboard's panels).</param>
public sealed record RunScope(string Kind, ISearchSpace Space, SearchOptions? Search, EvalOptions? Evaluation, string? Table = null, bool Everything = false)
{
    public static RunScope Of(SearchOptions options) => new(RunKinds.Search, SearchSpaces.Get(options.Space), options, null);
    public static RunScope Of(EvalOptions options) => new(RunKinds.Evaluation, SearchSpaces.Get(options.Space), null, options);

    public bool IsSearch => Kind == RunKinds.Search;
}

/// <summary>What a metric source can read at the end of an epoch.</summary>
public interface IEpochContext
{
    RunScope Scope { get; }

    /// <summary>1-based.</summary>
    int Epoch { get; }

    /// <summary>The genotype of this epoch (a search's derived cell; an evaluation's fixed one).</summary>
    ISpaceGenotype Genotype { get; }

    /// <summary>The run's benchmark lookup (none when the run has no table).</summary>
    IBenchmarkLookup? Benchmark { get; }

    /// <summary>A search's relaxed α (rows × operations); null for an evaluation.</summary>
    float[,]? Relaxed { get; }

    /// <summary>A search's supernet and α; null for an evaluation.</summary>
    ISearchModel? Model { get; }

    /// <summary>The first <paramref name="count"/> batches of the held-out images, the same ones every epoch (empty without held-out images).</summary>
    IReadOnlyList<Batch> HeldOutBatches(int count);
}

/// <summary>
/// Something that reports per-epoch numbers: a space (its cell's counts), its benchmark, a diagnostic, a
/// method. It declares what it measures for a run (<see cref="Declare"/>, also asked by a sweep's coordinator
/// before any seed runs) and measures it after every epoch. Registered in <see cref="MetricSources"/>.
/// </summary>
public interface IMetricSource
{
    /// <summary>What it measures for runs of this scope (empty: nothing).</summary>
    IReadOnlyList<MetricDefinition> Declare(RunScope scope);

    /// <summary>Adds this epoch's values (a key only when it has a value).</summary>
    void Measure(IEpochContext epoch, IDictionary<string, double> into);
}
