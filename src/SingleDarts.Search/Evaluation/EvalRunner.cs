using System.Diagnostics;
using System.Text.Json.Nodes;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Runs;

namespace SingleDarts.Search.Evaluation;

/// <summary>Hooks into a running evaluation (progress display, grains).</summary>
public interface IEvalObserver
{
    void Started(EvalRun run, bool resumed) { }
    void EpochStarting(int epoch) { }
    void StepDone(StepInfo step) { }
    void CheckpointSaved(int epoch, TimeSpan duration, long bytes) { }
    void EpochDone(EvalEpochRecord record) { }
    void Warning(string message) { }
}

/// <summary>Runs an evaluation to the end in a run folder, checkpointing after every epoch (as <see cref="SearchRunner"/>).</summary>
public static class EvalRunner
{
    public static EvalResult Run(EvalOptions options, string outDir, bool resume = false,
        IEvalObserver? observer = null, CancellationToken cancel = default, Checkpointing? checkpoints = null)
    {
        var folder = new RunFolder(outDir);
        checkpoints ??= new Checkpointing(folder.Checkpoints, warn: m => observer?.Warning(m));
        using var run = new EvalRun(options);
        if (resume)
        {
            checkpoints.Restore(run, cancel);
            if (!File.Exists(folder.ConfigPath)) WriteConfig(folder, run);
            folder.RewriteEpochs(run.History);
        }
        else
        {
            if (checkpoints.Any(cancel))
                throw new SearchConfigException($"--out {folder.Path} already holds a run (checkpoints in {checkpoints.Store.Location}): pass --resume to continue it, or choose another folder");
            WriteConfig(folder, run);
            folder.RewriteEpochs<EvalEpochRecord>([]);
        }
        observer?.Started(run, resume);
        if (run.Dataset.Warning is { } warning) observer?.Warning(warning);
        while (!run.IsFinished)
        {
            var epoch = run.EpochsDone + 1;
            observer?.EpochStarting(epoch);
            var record = run.RunEpoch(cancel, observer is null ? null : observer.StepDone);
            var clock = Stopwatch.StartNew();
            var bytes = checkpoints.Save(run, cancel);
            observer?.CheckpointSaved(epoch, clock.Elapsed, bytes);
            folder.AppendEpoch(record);
            observer?.EpochDone(record);
        }
        var result = run.Result();
        folder.WriteResult(result);
        return result;
    }

    public static void WriteConfig(RunFolder folder, EvalRun run) => folder.WriteConfig(run.Options, run.Device,
        ("kind", "evaluation"),
        ("data", new JsonObject
        {
            ["name"] = run.Dataset.Name,
            ["classes"] = run.Dataset.Classes,
            ["image_size"] = run.Dataset.Train.Height,
            ["train_images"] = run.TrainImages,
            ["test_images"] = run.TestImages,
            ["steps_per_epoch"] = run.StepsPerEpoch,
        }),
        ("model", new JsonObject
        {
            ["space"] = run.Space.Name,
            ["network"] = run.Network.GetName(),
            ["weights"] = run.Network.WeightCount,
            ["weights_with_auxiliary"] = run.Network.AllWeightCount,
        }));
}
