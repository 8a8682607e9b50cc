using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Options;
using SingleDarts.Search.Runs;

namespace SingleDarts.Grains;

/// <summary>
/// How a seed grain runs its search: the search core (<see cref="SearchCoreSeedSearch"/>) on every
/// silo. The seam exists so that orchestration can be tested and measured at scale without
/// libtorch (a simulated search registered in its place). Both continue from a checkpoint when the
/// store holds one (an earlier activation's, this silo's or a lost one's) and start afresh otherwise.
/// </summary>
public interface ISeedSearch
{
    /// <summary>Runs the search to its end, telling <paramref name="observer"/>; fails as <see cref="RunDriver.Run"/> does.</summary>
    void Run(SearchOptions options, RunFolder folder, IRunObserver observer, Checkpointing checkpoints, CancellationToken cancel);

    /// <summary>Trains a genotype from scratch to its end (the evaluation stage).</summary>
    void Evaluate(EvalOptions options, RunFolder folder, IRunObserver observer, Checkpointing checkpoints, CancellationToken cancel)
    {
        using var run = new EvalRun(options);
        RunDriver.Run(run, folder, ResumeMode.ResumeIfAny, observer, cancel, checkpoints);
        EvalExport.Write(run, Path.Combine(folder.Path, EvalExport.FileName));     // the network for PyTorch, as `singledarts evaluate` writes it
    }
}

/// <summary>The search core: exactly what <c>singledarts search</c> runs.</summary>
public sealed class SearchCoreSeedSearch : ISeedSearch
{
    public void Run(SearchOptions options, RunFolder folder, IRunObserver observer, Checkpointing checkpoints, CancellationToken cancel)
    {
        using var run = new SearchRun(options);
        RunDriver.Run(run, folder, ResumeMode.ResumeIfAny, observer, cancel, checkpoints);
    }
}
