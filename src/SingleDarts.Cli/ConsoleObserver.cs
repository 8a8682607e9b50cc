using System.Globalization;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;
using Spectre.Console;

namespace SingleDarts.Cli;

/// <summary>
/// What a run's console output shares, search or evaluation: epoch lines on stdout and, with a terminal,
/// a live progress bar for the steps of the epoch (the lines go through it then).
/// </summary>
public abstract class ConsoleProgress(ProgressTask? progress)
{
    protected int Epochs { get; set; }

    protected ProgressTask? Progress => progress;

    public void StepDone(StepInfo step)
    {
        if (progress is null) return;
        progress.Description = $"epoch {step.Epoch}/{Epochs}";
        progress.Value = step.Step;
    }

    public void Warning(string message) => Console.Error.WriteLine($"warning: {message}");

    protected void WriteLine(string text)
    {
        if (progress is null) Console.WriteLine(text);
        else AnsiConsole.MarkupLine(Markup.Escape(text));
    }
}

/// <summary>A search's console output.</summary>
public sealed class ConsoleObserver(ProgressTask? progress) : ConsoleProgress(progress), ISearchObserver
{
    private ISearchSpace? space;

    public void Started(SearchRun run, bool resumed)
    {
        Epochs = run.Options.Epochs;
        space = run.Space;
        var o = run.Options;
        var what = resumed ? $"resuming after epoch {run.EpochsDone}" : "starting";
        WriteLine($"{what}: {o.Space} {o.Method} seed {o.Seed}, C={o.Channels} {run.Space.CellsSymbol}={o.Cells}, {run.Dataset.Name}{(run.Dataset.FromCache ? " (decoded earlier, from cache)" : "")} " +
                  $"{run.Dataset.Train.Width}x{run.Dataset.Train.Height}, " +
                  $"{run.SearchImages} search / {run.HeldOutImages} held-out images ({run.ValidSource}), {run.StepsPerEpoch} steps/epoch, " +
                  $"{run.Model.WeightCount:N0} weights, {TorchSharp.torch.get_num_threads()} threads on {run.Device}");
        if (Progress is not null) Progress.MaxValue = run.StepsPerEpoch;
    }

    public void EpochDone(EpochRecord r)
    {
        var valid = r.ValidAcc is { } v ? (v * 100).ToString("F2", CultureInfo.InvariantCulture) + "%" : "n/a";
        var nb201 = r.Nb201 is { } n ? string.Create(CultureInfo.InvariantCulture, $"  nb201 {n.Dataset} {n.TestAcc:F2}% (rank {n.Rank})") : "";
        WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {r.Epoch,3}/{Epochs}  loss {r.TrainLoss:F4}  train {r.TrainAcc * 100:F2}%  valid {valid}  " +
            $"param-free {r.ParamFreeShare:F2}{(space?.DefaultCollapseRule == CollapseRules.SkipConnect ? $" (skip {r.SkipConnects}/{space.CountedEdges})" : "")}{nb201}  lr {r.Lr:F5}  {r.Seconds:F1}s  {r.Arch}"));
        if (Progress is not null) Progress.Value = 0;
    }
}
