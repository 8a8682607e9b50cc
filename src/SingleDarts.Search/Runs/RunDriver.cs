using System.Diagnostics;
using SingleDarts.Search.Options;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Data;
using SingleDarts.Search.Metrics;

namespace SingleDarts.Search.Runs;

/// <summary>A run the <see cref="RunDriver"/> runs epoch by epoch: a search (<see cref="SearchRun"/>) or an evaluation (<see cref="EvalRun"/>).</summary>
public interface IRun : ICheckpointed, IDisposable
{
    /// <summary><see cref="Measurement.RunKinds"/>: search or evaluation.</summary>
    string Kind { get; }
    int StepsPerEpoch { get; }

    /// <summary>Epochs the run trains in all.</summary>
    int Epochs { get; }
    bool IsFinished => EpochsDone >= Epochs;
    Dataset Dataset { get; }
    IReadOnlyList<EpochRecord> History { get; }

    /// <summary>The numbers its epoch records carry, declared by their sources.</summary>
    IReadOnlyList<MetricDefinition> Metrics { get; }

    /// <summary>Runs the next epoch; <paramref name="onStep"/> hears of each step as it ends.</summary>
    EpochRecord RunEpoch(CancellationToken cancel = default, Action<StepInfo>? onStep = null);

    /// <summary>Writes config.json: the options, the environment and what the run says of itself.</summary>
    void WriteConfig(RunFolder folder);

    /// <summary>Writes result.json.</summary>
    void WriteResult(RunFolder folder);
}

/// <summary>Hooks into a running search or evaluation (progress display, logs, grains).</summary>
public interface IRunObserver
{
    /// <summary>The run is set up (and restored, when resumed).</summary>
    void Started(RunStart start) { }

    void EpochStarting(int epoch) { }
    void StepDone(StepInfo step) { }

    /// <summary>The checkpoint after <paramref name="epoch"/> is written (before <see cref="EpochDone"/>).</summary>
    void CheckpointSaved(int epoch, TimeSpan duration, long bytes) { }
    void EpochDone(EpochRecord record) { }

    /// <summary>Asked after each epoch's checkpoint: true ends the run there (early stopping), its result that epoch's.</summary>
    bool StopAfter(EpochRecord record) => false;

    /// <summary>
    /// The run was cancelled mid-epoch, after <paramref name="at"/>.Step of <paramref name="steps"/> steps: its mid-epoch checkpoint
    /// took <paramref name="bytes"/> (null: not written, the epoch runs again from its start). The cancellation propagates after this.
    /// </summary>
    void Interrupted(EpochProgress at, int steps, long? bytes) { }

    /// <summary>Something went wrong and was handled (a damaged checkpoint skipped, a store retried).</summary>
    void Warning(string message) { }
}

/// <summary>A run's start: its kind, the epochs it has already done (a resumed run's history), its steps per epoch and declared numbers.</summary>
/// <param name="ResumedAt">where the unfinished epoch stood when a mid-epoch checkpoint restored it; null otherwise.</param>
public sealed record RunStart(string Kind, IReadOnlyList<EpochRecord> History, int StepsPerEpoch, bool Resumed, IReadOnlyList<MetricDefinition> Metrics,
    EpochProgress? ResumedAt = null);

/// <summary>One finished training step: 1-based epoch and step, the images it trained on and its wall time.</summary>
public readonly record struct StepInfo(int Epoch, int Step, int Steps, long Images, TimeSpan Duration);

/// <summary>How a run starts in its folder.</summary>
public enum ResumeMode
{
    /// <summary>A new run: a folder that already holds checkpoints is refused.</summary>
    New,

    /// <summary>Continue from the newest whole checkpoint; none is an error (<c>--resume</c>).</summary>
    Resume,

    /// <summary>Continue from a checkpoint if there is one, else start (a sweep's seed, which may have run elsewhere before).</summary>
    ResumeIfAny,
}

/// <summary>
/// The one epoch loop of every run: resume check, config, epochs, a checkpoint after each, epochs.jsonl,
/// early stopping, result.json. A search and an evaluation differ only in what their <see cref="IRun"/> does.
/// </summary>
public static class RunDriver
{
    /// <param name="checkpoints">where checkpoints go; default: the run folder's checkpoints/ folder.</param>
    /// <returns>whether the run resumed from a checkpoint.</returns>
    public static bool Run(IRun run, RunFolder folder, ResumeMode mode, IRunObserver? observer = null,
        CancellationToken cancel = default, Checkpointing? checkpoints = null)
    {
        checkpoints ??= new Checkpointing(folder.Checkpoints, warn: m => observer?.Warning(m));
        bool resumed;
        switch (mode)
        {
            case ResumeMode.Resume:
                checkpoints.Restore(run, cancel);
                resumed = true;
                break;
            case ResumeMode.ResumeIfAny:
                resumed = checkpoints.TryRestore(run, cancel) is not null;
                break;
            default:
                if (checkpoints.Any(cancel))
                    throw new SearchConfigException($"--out {folder.Path} already holds a run (checkpoints in {checkpoints.Store.Location}): pass --resume to continue it, or choose another folder");
                resumed = false;
                break;
        }
        if (!resumed || !File.Exists(folder.ConfigPath)) run.WriteConfig(folder);       // resumed on another machine: its own config
        folder.RewriteEpochs(run.History);
        observer?.Started(new RunStart(run.Kind, run.History, run.StepsPerEpoch, resumed, run.Metrics, run.ResumePoint));
        if (run.Dataset.Warning is { } warning) observer?.Warning(warning);
        // a run that was stopped early and lost before its result was written stops again where it stopped
        var stopped = resumed && run.History.Count > 0 && observer?.StopAfter(run.History[^1]) == true;
        while (!stopped && !run.IsFinished)
        {
            var epoch = run.EpochsDone + 1;
            observer?.EpochStarting(epoch);
            EpochRecord record;
            try
            {
                record = run.RunEpoch(cancel, observer is null ? null : observer.StepDone);
            }
            catch (OperationCanceledException) when (run.Interrupted is { } at)
            {
                // stopped between two steps of an epoch (SIGTERM on a silo, Ctrl+C, a cancel): keep the steps done
                observer?.Interrupted(at, run.StepsPerEpoch, checkpoints.SaveInterrupted(run));
                throw;
            }
            var clock = Stopwatch.StartNew();
            var bytes = checkpoints.Save(run, cancel);
            observer?.CheckpointSaved(epoch, clock.Elapsed, bytes);
            folder.AppendEpoch(record);
            observer?.EpochDone(record);
            stopped = observer?.StopAfter(record) == true;
        }
        run.WriteResult(folder);
        return resumed;
    }
}

/// <summary>A search run to its end in a run folder (<see cref="RunDriver"/> with a <see cref="SearchRun"/>).</summary>
public static class SearchRunner
{
    public static SearchResult Run(Options.SearchOptions options, string outDir, bool resume = false,
        IRunObserver? observer = null, CancellationToken cancel = default, Checkpointing? checkpoints = null) =>
        Run(options, outDir, resume ? ResumeMode.Resume : ResumeMode.New, observer, cancel, checkpoints);

    public static SearchResult Run(Options.SearchOptions options, string outDir, ResumeMode mode,
        IRunObserver? observer = null, CancellationToken cancel = default, Checkpointing? checkpoints = null)
    {
        using var run = new SearchRun(options);
        RunDriver.Run(run, new RunFolder(outDir), mode, observer, cancel, checkpoints);
        return run.Result();
    }
}

/// <summary>An evaluation run to its end in a run folder (<see cref="RunDriver"/> with an <see cref="EvalRun"/>), its network then written as <see cref="EvalExport.FileName"/>.</summary>
public static class EvalRunner
{
    public static EvalResult Run(Options.EvalOptions options, string outDir, bool resume = false,
        IRunObserver? observer = null, CancellationToken cancel = default, Checkpointing? checkpoints = null) =>
        Run(options, outDir, resume ? ResumeMode.Resume : ResumeMode.New, observer, cancel, checkpoints);

    public static EvalResult Run(Options.EvalOptions options, string outDir, ResumeMode mode,
        IRunObserver? observer = null, CancellationToken cancel = default, Checkpointing? checkpoints = null)
    {
        using var run = new EvalRun(options);
        RunDriver.Run(run, new RunFolder(outDir), mode, observer, cancel, checkpoints);
        EvalExport.Write(run, Path.Combine(outDir, EvalExport.FileName));
        return run.Result();
    }
}
