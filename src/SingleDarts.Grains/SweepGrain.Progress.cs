using Microsoft.Extensions.Logging;
using SingleDarts.Abstractions;

namespace SingleDarts.Grains;

/// <summary>The coordinator hears from its seeds: each report's status, and its new epochs folded into the curves once.</summary>
public sealed partial class SweepGrain
{
    public async Task SeedChanged(SeedStatus status, EpochSummary[] newEpochs)
    {
        LogSeedChanged(logger, Id, status.Method, status.Seed, status.State, status.EpochsDone, newEpochs.Length);
        if (Find(status.Stage, status.Method, status.Seed) is not { } entry) return;
        // a seed handed over by a silo that shuts down: wake it at the next tick, not at the next watchdog round
        if (status.Resuming is not null && entry.Status.Resuming != status.Resuming && !status.State.IsFinal()) lastWake = DateTime.MinValue;
        var ended = await Apply(entry, status, newEpochs);
        if (!ended) return;
        // a seed's end is written at once unless a write went out less than a second ago (then by the next
        // tick): nothing is lost meanwhile — the seed has written its end first, and a coordinator that
        // restarts from an older record asks every seed it did not see end
        if (DateTime.UtcNow - lastSave >= TickPeriod) await Save();
        if (seeds.All(e => e.Status.State.IsFinal())) await Finish();
        else await Dispatch();      // a slot is free
    }

    /// <summary>
    /// Takes a seed's report: its status, and its new epochs folded into the curves — each epoch
    /// once; a gap (a lost one-way message, or a coordinator that restarted behind its seed) is
    /// filled from the seed's history. True when the seed has just ended.
    /// </summary>
    private async Task<bool> Apply(SweepSeed entry, SeedStatus status, IEnumerable<EpochSummary> newEpochs)
    {
        var wasFinal = entry.Status.State.IsFinal();
        if (wasFinal && !status.State.IsFinal()) return false;     // a late message from before the seed ended
        if (entry.Status.State != status.State) registryDirty = true;
        entry.Dispatched = true;
        entry.Partial = false;
        entry.Status = status;
        if (status.State.IsFinal()) active.Remove(entry);
        else active.Add(entry);
        if (status.IsEvaluation) entry.Counted = status.EpochsDone;      // the curves are the searches'
        else
        {
            Fold(entry, newEpochs);
            if (entry.Counted < status.EpochsDone) Fold(entry, (await Seed(status).GetDetail())?.History ?? []);
        }
        dirty = publishDirty = true;
        return status.State.IsFinal() && !wasFinal;
    }

    private void Fold(SweepSeed entry, IEnumerable<EpochSummary> epochs)
    {
        foreach (var e in epochs.OrderBy(e => e.Epoch))
            if (e.Epoch == entry.Counted + 1)
            {
                curves.Add(entry.Status.Method, e);
                entry.Counted++;
            }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {Sweep} started: {Methods} methods x {Seeds} seeds")]
    private static partial void LogStarted(ILogger logger, string sweep, int methods, int seeds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sweep {Sweep}: {Method} seed {Seed} is {State} after {Epochs} epochs ({New} new)")]
    private static partial void LogSeedChanged(ILogger logger, string sweep, string method, long seed, SeedState state, int epochs, int @new);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {Sweep} ended: {State}")]
    private static partial void LogFinished(ILogger logger, string sweep, SweepState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep {Sweep}: the sweep list could not be updated ({Reason})")]
    private static partial void LogRegistryFailed(ILogger logger, string sweep, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep {Sweep}: its last changes could not be written on deactivation ({Reason}); seeds are asked again when it reactivates")]
    private static partial void LogDeactivationWriteFailed(ILogger logger, string sweep, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep {Sweep}: could not start {Method} seed {Seed}; will retry")]
    private static partial void LogDispatchFailed(ILogger logger, Exception ex, string sweep, string method, long seed);
}
