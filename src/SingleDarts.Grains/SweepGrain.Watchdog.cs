using Microsoft.Extensions.Logging;
using SingleDarts.Abstractions;

namespace SingleDarts.Grains;

/// <summary>
/// The coordinator's watchdog and its state writes: a durable reminder activates it if its silo is
/// lost, its timer calls the running seeds (a seed whose silo was lost resumes elsewhere), and state
/// that could not be written (storage away) stays marked and is written when the storage is back.
/// </summary>
public sealed partial class SweepGrain
{
    /// <summary>
    /// Calls every seed that should be running (one-way): a seed whose silo was lost is activated
    /// again on a surviving worker and resumes from its last checkpoint.
    /// </summary>
    private void WakeSeeds()
    {
        lastWake = DateTime.UtcNow;
        foreach (var entry in S.Seeds.Where(e => e.Dispatched && !e.Status.State.IsFinal()))
            Seed(entry.Status).Wake(SpecOf(entry)).Ignore();
    }

    private async Task Tick()
    {
        if (Writes.Dirty && !await Save()) return;        // storage still away: the next tick tries again
        if (S.State != SweepState.Running || S.Seeds.All(e => e.Status.State.IsFinal()))
        {
            await Finish();     // e.g. a finish whose write failed
            return;
        }
        if (!watchdog) await RegisterWatchdog();
        await Dispatch();
        if (DateTime.UtcNow - lastWake >= options.Value.WakeSeeds) WakeSeeds();
    }

    private StateWrites<SweepGrainState> Writes => writes ??= new(state, logger, $"Sweep {Id}");

    private async Task<bool> Save()
    {
        var saved = await Writes.Save();
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
