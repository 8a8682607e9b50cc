using Microsoft.Extensions.Logging;
using SingleDarts.Abstractions;
using SingleDarts.Grains.Telemetry;

namespace SingleDarts.Grains;

/// <summary>
/// The coordinator's watchdog and its state writes: a durable reminder activates it if its silo is
/// lost, its timer calls the running seeds (a seed whose silo was lost resumes elsewhere), and state
/// that could not be written (storage away) stays marked and is written when the storage is back.
/// </summary>
public sealed partial class SweepGrain
{
    private const int ResyncPerTick = 256;

    /// <summary>
    /// Calls every seed that should be running (one-way): a seed whose silo was lost is activated
    /// again on a surviving worker and resumes from its last checkpoint.
    /// </summary>
    private void WakeSeeds()
    {
        lastWake = DateTime.UtcNow;
        foreach (var entry in active) Seed(entry.Status).Wake(SpecOf(entry)).Ignore();
    }

    /// <summary>
    /// Every second: the batched state write, the sweep list and the gauges when they changed, a
    /// share of the seeds restored from the packed record asked for their full status (this
    /// activation may have started behind them, and a seed that ended meanwhile will not call
    /// again), dispatch, and the watchdog's wake-up of running seeds.
    /// </summary>
    private async Task Tick()
    {
        if (dirty && !await Save()) return;        // storage away: the next tick tries again
        if (registryDirty) await UpdateRegistry();
        if (publishDirty) Publish();
        await Resync();
        if (S.State != SweepState.Running || seeds.All(e => e.Status.State.IsFinal()))
        {
            if (!finished) await Finish();      // e.g. a finish whose write failed
            else if (!seeds.Any(e => e.Partial && e.Dispatched))
            {
                timer?.Dispose();
                timer = null;
            }
            return;
        }
        if (!watchdog) await RegisterWatchdog();
        await Dispatch();
        if (DateTime.UtcNow - lastWake >= options.Value.WakeSeeds) WakeSeeds();
    }

    /// <summary>Asks up to <see cref="ResyncPerTick"/> dispatched seeds known only from the packed record for their status.</summary>
    private async Task Resync()
    {
        var partial = seeds.Where(e => e.Partial && e.Dispatched).Take(ResyncPerTick).ToList();
        if (partial.Count == 0) return;
        var answers = await Task.WhenAll(partial.Select(async e =>
        {
            try
            {
                return (Entry: e, Status: await Seed(e.Status).GetStatus());
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return (Entry: e, Status: (SeedStatus?)null);       // asked again at the next tick
            }
        }));
        foreach (var (entry, status) in answers)
        {
            if (status is not null) await Apply(entry, status, []);
            else if (entry.Status.State.IsFinal()) entry.Partial = false;      // its state is gone; the record is all there is
        }
    }

    private StateWrites<SweepGrainState> Writes => writes ??= new(state, logger, $"Sweep {Id}");

    /// <summary>Writes the packed seeds and curves; a failed write leaves them dirty for the next tick.</summary>
    private async Task<bool> Save()
    {
        Pack();
        lastSave = DateTime.UtcNow;
        var saved = await Writes.Save();
        if (saved)
        {
            dirty = false;
            SingleDartsMetrics.SweepStateWritten(Id, S.Seeds.Length + S.Curves.Length);
        }
        if (Writes.Stale) DeactivateOnIdle();      // a newer activation coordinates this sweep
        return saved;
    }

    /// <summary>Durable: if this coordinator's silo is lost, the reminder activates it elsewhere, and it wakes its seeds.</summary>
    private async Task RegisterWatchdog()
    {
        try
        {
            await this.RegisterOrUpdateReminder(Watchdog, options.Value.Watchdog, options.Value.Watchdog);
            watchdog = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWatchdogFailed(logger, Id, Secrets.Brief(ex));      // the timer tries again
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != Watchdog) return;
        if (S.Spec is null || S.State != SweepState.Running)
        {
            await UnregisterWatchdog();
            return;
        }
        StartTimer();       // activation already started it; a no-op then
        WakeSeeds();
    }

    private async Task UnregisterWatchdog()
    {
        try
        {
            if (await this.GetReminder(Watchdog) is { } reminder) await this.UnregisterReminder(reminder);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // the reminder's next tick finds the sweep ended and tries again
            LogWatchdogFailed(logger, Id, Secrets.Brief(ex));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep {Sweep}: the watchdog reminder could not be registered ({Reason}); retrying")]
    private static partial void LogWatchdogFailed(ILogger logger, string sweep, string reason);
}
