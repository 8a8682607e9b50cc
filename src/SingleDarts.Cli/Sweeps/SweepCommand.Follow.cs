using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SingleDarts.Abstractions;
using SingleDarts.Hosting;
using SingleDarts.Hosting.Storage;
using SingleDarts.Search;
using SingleDarts.Search.Runs;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SingleDarts.Cli.Sweeps;

/// <summary>Following a sweep to its end: live tables or lines, the estimate, the failures folded, the exit code.</summary>
public static partial class SweepCommand
{
    /// <summary>
    /// Polls the coordinator until the sweep ends: a live table on a terminal when asked, else lines.
    /// Up to <see cref="LinePerSeedUpTo"/> seeds, a line whenever a seed starts, finishes an epoch or
    /// ends (queued seeds say nothing; repeats of a first-epoch failure are folded); beyond that a
    /// progress line every <see cref="ProgressEvery"/> (and every failure still, folded). The time
    /// left is estimated once enough epochs are timed. Ctrl+C either cancels the sweep (local mode: the
    /// silo lives in this process) and waits for the seeds to stop, or stops watching.
    /// </summary>
    private static async Task<(SweepStatus Final, bool Interrupted)> Follow(ISweepGrain grain, string id, bool live, CancellationToken cancel,
        bool cancelSweepOnInterrupt, SeedFilter? filter = null)
    {
        var status = await grain.GetStatus() ?? throw new ClusterException($"no sweep '{id}'");
        var interrupted = false;
        var seen = new Dictionary<(string, long, string), (SeedState, int, int, string?)>();
        var failures = new SweepFailures();
        var progress = new SweepProgress(DateTimeOffset.UtcNow, status);
        var perSeed = status.Seeds.Length <= LinePerSeedUpTo;
        var (estimated, lastProgress) = (false, DateTimeOffset.MinValue);
        void PrintChanges(SweepStatus s)
        {
            foreach (var seed in s.Seeds)
            {
                var key = (seed.Method, seed.Seed, seed.Stage);
                var now = (seed.State, seed.EpochsDone, seed.Warnings.Length, seed.Resuming);
                var known = seen.TryGetValue(key, out var before);
                if (known ? before == now : seed.State == SeedState.Queued) continue;
                seen[key] = now;
                if ((perSeed || seed.State == SeedState.Failed) && failures.ShouldPrint(seed)) Console.WriteLine(SweepViews.Line(seed, s.Metrics));
                // warnings as they come (at most the 20 a seed keeps), a line each, on every size of sweep: they are rare and matter
                foreach (var warning in seed.Warnings.Skip(known ? Math.Min(before.Item3, seed.Warnings.Length) : 0))
                    Console.WriteLine($"{seed.Method} seed {seed.Seed.ToString(CultureInfo.InvariantCulture)}{(seed.IsEvaluation ? " evaluation" : "")}: warning: {warning}");
            }
            var at = DateTimeOffset.UtcNow;
            if (!perSeed && at - lastProgress >= ProgressEvery)
            {
                Console.WriteLine(progress.Line(s, at));
                lastProgress = at;
            }
            else if (perSeed && !estimated && s.State == SweepState.Running && progress.Estimate(s, at) is { } estimate)
            {
                Console.Error.WriteLine($"estimate: {estimate}");
                estimated = true;
            }
        }
        async Task Loop(Action<SweepStatus> show)
        {
            while (!Ended(status))
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), interrupted ? CancellationToken.None : cancel);
                }
                catch (OperationCanceledException)
                {
                    interrupted = true;
                    if (!cancelSweepOnInterrupt) return;
                    Console.Error.WriteLine("cancelling the sweep: running seeds stop after their current step");
                    await grain.Cancel();
                }
                status = await grain.GetStatus() ?? status;
                show(status);
            }
        }
        if (live && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            IRenderable View(SweepStatus s) => progress.Estimate(s, DateTimeOffset.UtcNow) is { } estimate
                ? new Rows(SweepViews.Status(s, filter ?? new SeedFilter()), new Text($"estimate: {estimate}"))
                : SweepViews.Status(s, filter ?? new SeedFilter());
            await AnsiConsole.Live(View(status)).AutoClear(true).StartAsync(ctx => Loop(s => ctx.UpdateTarget(View(s))));
        }
        else
        {
            PrintChanges(status);
            await Loop(PrintChanges);
            foreach (var line in failures.FoldedLines()) Console.WriteLine(line);
        }
        return (status, interrupted);
    }

    /// <summary>Sweeps up to this many seeds get a line per seed event; bigger ones progress lines.</summary>
    private const int LinePerSeedUpTo = 50;

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The last lines of a sweep that ended with failed seeds (how many, per method, the first
    /// reason) and its exit code: <see cref="CliRunner.SweepFailed"/> when every seed failed.
    /// </summary>
    private static int EndOf(SweepStatus final)
    {
        if (SweepFailures.Summary(final) is not { } summary) return CliRunner.Ok;
        var all = SweepFailures.AllFailed(final);
        Console.Error.WriteLine($"{(all ? "error" : "warning")}: {summary}");
        return all ? CliRunner.SweepFailed : CliRunner.Ok;
    }

    /// <summary>Ended: not running and no seed still stopping.</summary>
    private static bool Ended(SweepStatus s) => s.State != SweepState.Running && s.Seeds.All(x => x.State.IsFinal());
}
