using System.Diagnostics;
using SingleDarts.Search.Checkpoints;

namespace SingleDarts.Search.Runs;

/// <summary>Hooks into a running search (progress display, logs, grains).</summary>
public interface ISearchObserver
{
    /// <summary>The run is set up (and restored, when resumed); by default tells <see cref="Started(RunStart)"/>.</summary>
    void Started(SearchRun run, bool resumed) => Started(new RunStart(run.History, run.StepsPerEpoch, resumed));

    /// <summary>What an observer that needs no more than the epochs already done hears when the run starts.</summary>
    void Started(RunStart start) { }

    void EpochStarting(int epoch) { }
    void StepDone(StepInfo step) { }

    /// <summary>The checkpoint after <paramref name="epoch"/> is on disk (before <see cref="EpochDone"/>).</summary>
    void CheckpointSaved(int epoch, TimeSpan duration, long bytes) { }
    void EpochDone(EpochRecord record) { }

    /// <summary>Asked after each epoch's checkpoint: true ends the run there (early stopping), its result that epoch's.</summary>
    bool StopAfter(EpochRecord record) => false;

    /// <summary>Something went wrong and was handled (a damaged checkpoint skipped, a store retried).</summary>
    void Warning(string message) { }
}

/// <summary>A run's start: the epochs it has already done (a resumed run's history), its steps per epoch.</summary>
public readonly record struct RunStart(IReadOnlyList<EpochRecord> History, int StepsPerEpoch, bool Resumed);

/// <summary>One finished training step: 1-based epoch and step, the images it trained on and its wall time.</summary>
public readonly record struct StepInfo(int Epoch, int Step, int Steps, long Images, TimeSpan Duration);

/// <summary>Runs a search to the end in a run folder, checkpointing after every epoch.</summary>
public static class SearchRunner
{
    /// <param name="resume">continue from the newest whole checkpoint (the options must be the run's).</param>
    /// <param name="checkpoints">where checkpoints go; default: the run folder's checkpoints/ folder.</param>
    public static SearchResult Run(SearchOptions options, string outDir, bool resume = false,
        ISearchObserver? observer = null, CancellationToken cancel = default, Checkpointing? checkpoints = null)
    {
        var folder = new RunFolder(outDir);
        checkpoints ??= new Checkpointing(folder.Checkpoints, warn: m => observer?.Warning(m));
        using var run = new SearchRun(options);
        if (resume)
        {
            checkpoints.Restore(run, cancel);
            if (!File.Exists(folder.ConfigPath)) folder.WriteConfig(run);     // resumed on another machine
            folder.RewriteEpochs(run.History);
        }
        else
        {
            if (checkpoints.Any(cancel))
                throw new SearchConfigException($"--out {folder.Path} already holds a run (checkpoints in {checkpoints.Store.Location}): pass --resume to continue it, or choose another folder");
            folder.WriteConfig(run);
            folder.RewriteEpochs<EpochRecord>([]);
        }
        observer?.Started(run, resume);
        if (run.Dataset.Warning is { } warning) observer?.Warning(warning);
        // a run that was stopped early and lost before its result was written stops again where it stopped
        var stopped = resume && run.History.Count > 0 && observer?.StopAfter(run.History[^1]) == true;
        while (!stopped && !run.IsFinished)
        {
            var epoch = run.EpochsDone + 1;
            observer?.EpochStarting(epoch);
            var record = run.RunEpoch(cancel, observer is null ? null : observer.StepDone);
            var clock = Stopwatch.StartNew();
            var bytes = checkpoints.Save(run, cancel);
            observer?.CheckpointSaved(epoch, clock.Elapsed, bytes);
            folder.AppendEpoch(record);
            observer?.EpochDone(record);
            stopped = observer?.StopAfter(record) == true;
        }
        var result = run.Result();
        folder.WriteResult(result);
        return result;
    }
}
