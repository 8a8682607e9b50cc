using System.Text.RegularExpressions;
using SingleDarts.Tests;

namespace SingleDarts.Search.Tests;

/// <summary>
/// SIGTERM (what a container runtime or systemd sends) on `singledarts search` mid-epoch: the run stops after the step in
/// flight, writes a mid-epoch checkpoint and exits 130; `--resume` continues from that step and ends as an uninterrupted run.
/// </summary>
[Trait("Category", "integration")]
public sealed partial class SigtermCliTests
{
    // ~600 steps an epoch of a few ms each: a signal sent during epoch 2 lands between two of its steps
    private const string Args = "search --method darts-v1 --channels 2 --cells 1 --image-size 8 --train-size 20000 --synthetic-classes 4 --batch-size 16 --hessian-every 0 --threads 1 --epochs 3";

    [GeneratedRegex(@"stopped in epoch 2 after step (\d+) of (\d+): mid-epoch checkpoint written")]
    private static partial Regex Stopped();

    [Fact]
    public void Sigterm_mid_epoch_writes_a_mid_epoch_checkpoint_and_resume_continues_from_that_step()
    {
        var straight = Tiny.TempDir();
        var full = CliProcess.Run($"{Args} --out {straight}");
        Assert.True(full.Exit == 0, full.Err);

        var dir = Tiny.TempDir();
        using var run = CliProcess.Start($"{Args} --out {dir}");
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (!run.Out.Contains("epoch   1/3", StringComparison.Ordinal) && !run.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.False(run.HasExited, run.Out + run.Err);
        Thread.Sleep(300);      // into epoch 2
        run.Terminate();
        var (exit, _, err) = run.WaitForExit(TimeSpan.FromMinutes(2));

        Assert.True(exit == 130, $"exit {exit}: {err}");
        var stopped = Stopped().Match(err);
        Assert.True(stopped.Success, err);
        var step = int.Parse(stopped.Groups[1].Value);
        var resumed = CliProcess.Run($"{Args} --out {dir} --resume");
        Assert.True(resumed.Exit == 0, resumed.Err);
        Assert.Contains($"continuing epoch 2 after step {step} of {stopped.Groups[2].Value}", resumed.Out);
        Assert.Equal(full.Out.Split('\n').Last(l => l.StartsWith("arch: ", StringComparison.Ordinal)),
                     resumed.Out.Split('\n').Last(l => l.StartsWith("arch: ", StringComparison.Ordinal)));
        static string[] Lines(string d) => [.. File.ReadAllLines(Path.Combine(d, "epochs.jsonl")).Select(l => Regex.Replace(l, "\"(step_seconds|seconds)\":[^,}]+", ""))];
        Assert.Equal(Lines(straight), Lines(dir));
    }
}
