using System.Globalization;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;
using Spectre.Console;

namespace SingleDarts.Cli;

/// <summary>Epoch lines on stdout; with a terminal, also a live progress bar for the steps of the epoch.</summary>
public sealed class ConsoleObserver(ProgressTask? progress) : ISearchObserver
{
    private int epochs;
    private ISearchSpace? space;

    public void Started(SearchRun run, bool resumed)
    {
        epochs = run.Options.Epochs;
        space = run.Space;
        var o = run.Options;
        var what = resumed ? $"resuming after epoch {run.EpochsDone}" : "starting";
        WriteLine($"{what}: {o.Space} {o.Method} seed {o.Seed}, C={o.Channels} {run.Space.CellsSymbol}={o.Cells}, {run.Dataset.Name}{(run.Dataset.FromCache ? " (decoded earlier, from cache)" : "")} " +
                  $"{run.Dataset.Train.Width}x{run.Dataset.Train.Height}, " +
                  $"{run.SearchImages} search / {run.HeldOutImages} held-out images ({run.ValidSource}), {run.StepsPerEpoch} steps/epoch, " +
                  $"{run.Model.WeightCount:N0} weights, {TorchSharp.torch.get_num_threads()} threads on {run.Device}");
        if (progress is not null) progress.MaxValue = run.StepsPerEpoch;
    }

    public void StepDone(StepInfo step)
    {
        if (progress is null) return;
        progress.Description = $"epoch {step.Epoch}/{epochs}";
        progress.Value = step.Step;
    }

    public void Warning(string message) => Console.Error.WriteLine($"warning: {message}");

    public void EpochDone(EpochRecord r)
    {
        var valid = r.ValidAcc is { } v ? (v * 100).ToString("F2", CultureInfo.InvariantCulture) + "%" : "n/a";
        var nb201 = r.Nb201 is { } n ? string.Create(CultureInfo.InvariantCulture, $"  nb201 {n.Dataset} {n.TestAcc:F2}% (rank {n.Rank})") : "";
        WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {r.Epoch,3}/{epochs}  loss {r.TrainLoss:F4}  train {r.TrainAcc * 100:F2}%  valid {valid}  " +
            $"param-free {r.ParamFreeShare:F2}{(space?.DefaultCollapseRule == CollapseRules.SkipConnect ? $" (skip {r.SkipConnects}/{space.CountedEdges})" : "")}{nb201}  lr {r.Lr:F5}  {r.Seconds:F1}s  {r.Arch}"));
        if (progress is not null) progress.Value = 0;
    }

    private void WriteLine(string text)
    {
        if (progress is null) Console.WriteLine(text);
        else AnsiConsole.MarkupLine(Markup.Escape(text));
    }
}
