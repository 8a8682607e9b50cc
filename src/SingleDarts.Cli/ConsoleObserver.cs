using System.Globalization;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Runs;
using Spectre.Console;

namespace SingleDarts.Cli;

/// <summary>
/// A run's console output, search or evaluation: a start line, a line per epoch on stdout (its accuracies, the
/// run's headline metrics, the genotype) and, with a terminal, a live progress bar for the steps of the epoch.
/// </summary>
public sealed class RunConsole(IRun run, Func<bool, string> startLine, ProgressTask? progress) : IRunObserver
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly int epochs = run.Epochs;

    /// <summary>Runs <paramref name="run"/> in <paramref name="folder"/> to its end with its console output (a progress bar on a terminal).</summary>
    public static void Run(IRun run, RunFolder folder, bool resume, CheckpointPolicy policy, CancellationToken cancel, Func<bool, string> startLine)
    {
        var mode = resume ? ResumeMode.Resume : ResumeMode.New;
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            var console = new RunConsole(run, startLine, null);
            RunDriver.Run(run, folder, mode, console, cancel, new Checkpointing(folder.Checkpoints, policy, console.Warning));
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var console = new RunConsole(run, startLine, ctx.AddTask("starting"));
                RunDriver.Run(run, folder, mode, console, cancel, new Checkpointing(folder.Checkpoints, policy, console.Warning));
            });
    }

    public void Started(RunStart start)
    {
        WriteLine(startLine(start.Resumed));
        if (start.ResumedAt is { } at)
            WriteLine($"continuing epoch {at.Epoch} after step {at.Step} of {start.StepsPerEpoch} (a mid-epoch checkpoint)");
        if (progress is not null) progress.MaxValue = start.StepsPerEpoch;
    }

    public void Interrupted(EpochProgress at, int steps, long? bytes) => Console.Error.WriteLine(bytes is { } b
        ? string.Create(Inv, $"stopped in epoch {at.Epoch} after step {at.Step} of {steps}: mid-epoch checkpoint written ({b / 1048576.0:F1} MB); --resume continues from there")
        : $"stopped in epoch {at.Epoch} after step {at.Step} of {steps}: no mid-epoch checkpoint, --resume runs epoch {at.Epoch} again");

    public void StepDone(StepInfo step)
    {
        if (progress is null) return;
        progress.Description = $"epoch {step.Epoch}/{epochs}";
        progress.Value = step.Step;
    }

    public void Warning(string message) => Console.Error.WriteLine($"warning: {message}");

    public void EpochDone(EpochRecord r)
    {
        var line = string.Create(Inv, $"epoch {r.Epoch,3}/{epochs}  loss {r.TrainLoss:F4}  train {r.TrainAcc * 100:F2}%");
        if (r.TestAcc is { } test) line += string.Create(Inv, $"  test {test * 100:F2}%");
        else line += $"  valid {(r.ValidAcc is { } v ? (v * 100).ToString("F2", Inv) + "%" : "n/a")}";
        foreach (var m in run.Metrics.Where(m => m.Headline && r.Metrics.ContainsKey(m.Key)))
            line += $"  {m.Column} {r.Metrics[m.Key].ToString("F" + m.Decimals, Inv)}";
        line += string.Create(Inv, $"  lr {r.Lr:F5}  {r.Seconds:F1}s");
        if (r.Alphas.Length > 0) line += $"  {r.Arch}";       // a search's cell changes; an evaluation's is printed once
        WriteLine(line);
        if (progress is not null) progress.Value = 0;
    }

    private void WriteLine(string text)
    {
        if (progress is null) Console.WriteLine(text);
        else AnsiConsole.MarkupLine(Markup.Escape(text));
    }
}
