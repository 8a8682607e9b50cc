using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Evaluation;
using SingleDarts.Search.Runs;

namespace SingleDarts.Grains;

/// <summary>
/// How a seed grain runs its search: the search core (<see cref="SearchCoreSeedSearch"/>) on every
/// silo. The seam exists so that orchestration can be tested and measured at scale without
/// libtorch (a simulated search registered in its place).
/// </summary>
public interface ISeedSearch
{
    /// <summary>Runs the search to its end, telling <paramref name="observer"/>; fails as <see cref="SearchRunner.Run"/> does.</summary>
    void Run(SearchOptions options, RunFolder folder, bool resume, ISearchObserver observer, Checkpointing checkpoints, CancellationToken cancel);

    /// <summary>Trains a genotype from scratch to its end (the evaluation stage); fails as <see cref="EvalRunner.Run"/> does.</summary>
    void Evaluate(EvalOptions options, RunFolder folder, bool resume, IEvalObserver observer, Checkpointing checkpoints, CancellationToken cancel) =>
        EvalRunner.Run(options, folder.Path, resume, observer, cancel, checkpoints);
}

/// <summary>The search core: exactly what <c>singledarts search</c> runs.</summary>
public sealed class SearchCoreSeedSearch : ISeedSearch
{
    public void Run(SearchOptions options, RunFolder folder, bool resume, ISearchObserver observer, Checkpointing checkpoints, CancellationToken cancel) =>
        SearchRunner.Run(options, folder.Path, resume, observer, cancel, checkpoints);
}
