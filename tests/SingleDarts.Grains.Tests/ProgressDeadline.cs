using SingleDarts.Abstractions;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// A wait's deadline that moves while the sweep makes progress: a test on a slow, loaded machine (issue 26: the Grains tests run
/// with both cores kept busy by another process) waits as long as the seeds keep training, and fails after <c>stall</c> without
/// progress — a stuck sweep still fails in that time, a slow one no longer does. <c>cap</c> bounds the whole wait.
/// </summary>
public sealed class ProgressDeadline(TimeSpan stall, TimeSpan? cap = null)
{
    private readonly DateTime started = DateTime.UtcNow;
    private DateTime deadline = DateTime.UtcNow + stall;
    private long last = -1;

    /// <summary>Epochs, steps and seed states of the sweep as one number that grows with any progress.</summary>
    public static long Of(SweepStatus? status) =>
        status is null ? 0 : status.Seeds.Sum(s => (long)s.EpochsDone * 1_000_000 + s.Step * 10 + (int)s.State);

    /// <summary>Whether the wait is over: no progress for the stall time, or the cap passed.</summary>
    public bool Expired(SweepStatus? status)
    {
        var now = DateTime.UtcNow;
        var progress = Of(status);
        if (progress != last) (last, deadline) = (progress, now + stall);
        return now > deadline || cap is { } c && now - started > c;
    }

    public string Describe() => $"no progress in {stall}" + (cap is { } c ? $" (or more than {c} in all)" : "");
}
