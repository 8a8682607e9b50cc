using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SingleDarts.Abstractions;
using SingleDarts.Grains.Placement;
using SingleDarts.Grains.Telemetry;
using SingleDarts.Search.Options;
using SingleDarts.Search.Runs;

namespace SingleDarts.Grains;

/// <summary>
/// One (sweep, method, seed) search. <see cref="Start"/> returns at once; the search runs on a
/// dedicated thread (<see cref="SeedExecution"/>) and a grain timer drains its progress into the
/// grain's state and on to the coordinator. Lives only on worker silos.
/// </summary>
[SeedPlacement, WorkerSilosOnly]
public sealed partial class SeedGrain(
    [PersistentState("seed", SweepStorage.Name)] IPersistentState<SeedGrainState> state,
    SeedSlots slots,
    SeedThreads threads,
    ICheckpointStores checkpointStores,
    ISeedSearch search,
    IOptions<WorkerOptions> worker,
    ILocalSiloDetails silo,
    ILogger<SeedGrain> logger) : Grain, ISeedGrain
{
    private static readonly TimeSpan DrainPeriod = TimeSpan.FromMilliseconds(500);
    private const int MaxWarnings = 20;
    private SeedExecution? execution;
    private Activity? span;
    private IGrainTimer? timer;
    private bool deactivating;
    private StateWrites<SeedGrainState>? writes;
    private (int Step, int Steps) reported;

    private SeedGrainState S => state.State;
    private string SiloName => silo.SiloAddress.Endpoint.ToString();
    private string Key => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Deactivated or its silo lost mid-run: continue from the run folder's checkpoint.
        if (S.Spec is not { } spec) return Task.CompletedTask;
        if (!S.Status.State.IsFinal())
        {
            LogResuming(logger, Key, S.History.Count);
            var ran = S.Status.State == SeedState.Running;
            var handedOver = S.Status.Resuming is not null;     // its last activation said its silo shut down
            var from = S.Status.Silo;
            if (from is not null && ran)
                Warn(from != SiloName
                    ? $"resumed on {SiloName} after epoch {S.History.Count}; {from} {(handedOver ? "shut down and handed it over" : "was lost")}"
                    : $"restarted on {SiloName} after epoch {S.History.Count}: its run here ended mid-epoch (the silo process restarted, or Orleans replaced the activation); it continues from its last checkpoint");
            Launch(spec);
            if (ran && !S.Status.State.IsFinal())
            {
                S.Status = S.Status with { Resuming = $"resuming on {SiloName} after epoch {S.History.Count} ({from ?? "its silo"} {(handedOver ? "shut down" : "was lost")}); waiting for a slot" };
                Notify([]);     // the coordinator shows where it is now, not the lost silo's last step
            }
        }
        Publish();
        return Task.CompletedTask;
    }

    public async Task<SeedStatus> Start(SeedSpec spec)
    {
        if (S.Spec is { } existing)
            return existing == spec ? Current()
                : throw new InvalidOperationException($"seed {this.GetPrimaryKeyString()} was started with another spec");
        S.Spec = spec;
        S.TraceParent = SingleDartsTelemetry.IncomingParent();
        S.Status = new SeedStatus
        {
            SweepId = spec.SweepId,
            Method = spec.Method,
            Seed = spec.Seed,
            State = SeedState.Queued,
            Silo = SiloName,
            Stage = spec.Stage,
        };
        Launch(spec);
        await Save();       // if the storage is away, the drain timer writes it when it is back
        Publish();
        if (S.Status.State.IsFinal()) Notify([]);
        return Current();
    }

    /// <summary>Being called activates the grain, and activation resumes a run whose silo was lost; a lost state starts again from the spec.</summary>
    public async Task Wake(SeedSpec spec)
    {
        if (S.Spec is not null) return;
        await Start(spec);
        Warn($"the seed's state was lost with its silo; started again on {SiloName} from its checkpoints");
        await Save();
    }

    public Task<SeedDetail?> GetDetail() => Task.FromResult(S.Spec is null ? null : SeedDetails.Of(Current(), S.History, S.Spec));

    public Task<SeedStatus?> GetStatus() => Task.FromResult(S.Spec is null ? null : Current());

    public async Task Cancel()
    {
        if (S.Spec is null || S.Status.State.IsFinal()) return;
        if (execution is not null)
        {
            execution.Cancel();     // the search thread stops before its next step; the timer records it
            return;
        }
        S.Status = S.Status with { State = SeedState.Cancelled, Reason = "cancelled", FinishedAt = DateTimeOffset.UtcNow };
        await Save();
        Publish();
        Notify([]);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        SingleDartsMetrics.WithdrawSeed(SiloName, Key);
        if (execution is { Completion.IsCompleted: false } running)
        {
            // Not the user's cancel: the seed stays Running and continues from its checkpoint when reactivated.
            deactivating = true;
            running.Cancel();
            try
            {
                await running.Completion.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                LogSlowStop(logger, Key);
            }
            span?.SetTag("interrupted", "deactivated");
            SingleDartsTelemetry.End(span);
            // SIGTERM on the silo (a rolling update, a node drain): the seed stopped at its next step with every finished
            // epoch's checkpoint written; it says so and tells the coordinator now, which wakes it on another worker at
            // once instead of at its next watchdog round, and never after membership timeouts (the silo leaves cleanly)
            var handover = reason.ReasonCode == DeactivationReasonCode.ShuttingDown && !S.Status.State.IsFinal();
            if (handover)
                S.Status = S.Status with { Resuming = $"{SiloName} shut down: stopped at its next step, resumes on another worker from its last checkpoint" };
            await Save();
            if (handover) Notify([]);
        }
    }

    private async Task Drain(CancellationToken cancellationToken)
    {
        if (execution is null || deactivating) return;
        var newEpochs = new List<EpochSummary>();
        var persist = false;
        while (execution.Events.TryRead(out var e))
        {
            switch (e)
            {
                case SeedEvent.Started started:
                    S.History = [.. started.History];   // a resumed run restarts from its checkpoint's history
                    S.Status = S.Status with { State = SeedState.Running, StartedAt = S.Status.StartedAt ?? DateTimeOffset.UtcNow, Resuming = null };
                    newEpochs.AddRange(started.History);
                    persist = true;
                    break;
                case SeedEvent.EpochDone epoch:
                    S.History.Add(epoch.Epoch);
                    newEpochs.Add(epoch.Epoch);
                    persist = true;
                    break;
                case SeedEvent.Warned warned:
                    Warn(warned.Message);
                    persist = true;
                    break;
                case SeedEvent.Alarmed alarmed:
                    Warn(alarmed.Message);
                    S.Status = S.Status with { AlarmEpoch = alarmed.Epoch, Alarm = alarmed.Message };
                    SingleDartsMetrics.CollapseAlarm(SeedTags(S.Spec!));
                    span?.AddEvent(new ActivityEvent("collapse.alarm", tags: new ActivityTagsCollection { { "epoch", alarmed.Epoch }, { "edges", alarmed.Count } }));
                    persist = true;
                    break;
                case SeedEvent.Ended ended:
                    S.Status = S.Status with { State = ended.State, Reason = ended.Reason, FinishedAt = DateTimeOffset.UtcNow };
                    LogEnded(logger, Key, ended.State, ended.Reason ?? "");
                    span?.SetTag("seed.state", ended.State.ToString().ToLowerInvariant());
                    span?.SetTag("seed.epochs", S.History.Count);
                    SingleDartsTelemetry.End(span, ended.State == SeedState.Failed ? ended.Reason : null);
                    span = null;
                    persist = true;
                    break;
            }
        }
        var progress = execution.Progress;
        if (!persist && !Writes.Dirty && progress == reported) return;
        reported = progress;
        if (persist || Writes.Dirty) await Save();
        Publish();
        Notify([.. newEpochs]);
        if (S.Status.State.IsFinal() && !Writes.Dirty)
        {
            timer?.Dispose();
            timer = null;
        }
    }

    private SeedStatus Current()
    {
        var (step, steps) = S.Status.State == SeedState.Running && execution is not null ? execution.Progress : (0, 0);
        return S.Status with
        {
            EpochsDone = S.History.Count,
            Last = ResultOf(S.History),
            Step = step,
            Steps = steps,
            Seconds = S.History.Sum(h => h.Seconds),
        };
    }

    /// <summary>The seed's result epoch: the last, or the one a stopping rule (DARTS-ES) returned to.</summary>
    internal static EpochSummary? ResultOf(List<EpochSummary> history) =>
        history is [.., { ResultEpoch: { } back }] && back >= 1 && back <= history.Count ? history[back - 1] : history.LastOrDefault();

    private StateWrites<SeedGrainState> Writes => writes ??= new(state, logger, $"Seed {Key}");

    private async Task<bool> Save()
    {
        var saved = await Writes.Save();
        if (Writes.Stale && !deactivating)
        {
            // a newer activation runs this seed (e.g. this silo was cut off and declared dead): never train it twice
            deactivating = true;
            execution?.Cancel();
            DeactivateOnIdle();
        }
        return saved;
    }

    private void Warn(string message)
    {
        LogWarning(logger, Key, message);
        S.Status = S.Status with { Warnings = [.. S.Status.Warnings.TakeLast(MaxWarnings - 1), message] };
    }

    /// <summary>What this seed's gauges show: the status <c>sweep status</c> and <c>sweep watch</c> show.</summary>
    private void Publish()
    {
        var running = execution;
        SingleDartsMetrics.PublishSeed(SiloName, Key, Current(), running is null ? null : () => running.Progress.Step, LatestMetrics());
    }

    /// <summary>Each metric's latest value over the epochs, as of the result epoch (a DARTS-ES stop reports its cell's numbers).</summary>
    private Dictionary<string, double> LatestMetrics()
    {
        var latest = new Dictionary<string, double>(StringComparer.Ordinal);
        var result = ResultOf(S.History);
        foreach (var h in S.History)
        {
            foreach (var (k, v) in h.Metrics) latest[k] = v;
            if (ReferenceEquals(h, result)) break;
        }
        return latest;
    }

    private static TagList SeedTags(SeedSpec spec) => SingleDartsMetrics.SeedTags(spec.SweepId, spec.Method, spec.Seed);

    /// <summary>Tells the coordinator (one-way); it asks for the whole history when it notices a gap.</summary>
    private void Notify(EpochSummary[] newEpochs)
    {
        var sent = GrainFactory.GetGrain<ISweepGrain>(S.Status.SweepId).SeedChanged(Current(), newEpochs);
        sent.ContinueWith(t => LogNotifyFailed(logger, t.Exception!, Key), TaskContinuationOptions.OnlyOnFaulted);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seed {Seed}: telling the coordinator failed")]
    private static partial void LogNotifyFailed(ILogger logger, Exception ex, string seed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seed {Seed}: {Message}")]
    private static partial void LogWarning(ILogger logger, string seed, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seed {Seed} resumes after epoch {Epoch}")]
    private static partial void LogResuming(ILogger logger, string seed, int epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seed {Seed} ended: {State} {Reason}")]
    private static partial void LogEnded(ILogger logger, string seed, SeedState state, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seed {Seed}: the search thread did not stop within 60 s of deactivation")]
    private static partial void LogSlowStop(ILogger logger, string seed);
}

public static class SweepStorage
{
    /// <summary>The grain storage of sweeps, seeds and the registry.</summary>
    public const string Name = "singledarts";
}
