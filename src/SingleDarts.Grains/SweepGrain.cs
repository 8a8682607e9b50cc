using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Placement;
using SingleDarts.Abstractions;
using SingleDarts.Grains.Placement;
using SingleDarts.Grains.Telemetry;
using SingleDarts.Search.Runs;

namespace SingleDarts.Grains;

/// <summary>
/// The coordinator of one sweep: launches every (method, seed) on the worker silos as their slots
/// free up, keeps each seed's latest status and epoch history, and aggregates across seeds.
/// </summary>
public sealed partial class SweepGrain(
    [PersistentState("sweep", SweepStorage.Name)] IPersistentState<SweepGrainState> state,
    WorkerSilos workers,
    ILocalSiloDetails silo,
    IOptions<CoordinatorOptions> options,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain, IRemindable
{
    private const string Watchdog = "watchdog";
    private static readonly TimeSpan DispatchPeriod = TimeSpan.FromSeconds(2);
    private DateTime lastWake;
    private bool watchdog;
    private StateWrites<SweepGrainState>? writes;
    private IGrainTimer? timer;
    private Activity? span;
    private SearchOptions? shared;

    private SweepGrainState S => state.State;

    /// <summary>The options every seed shares (the spec was validated when the sweep started).</summary>
    private SearchOptions Shared => shared ??= SweepValidation.SharedOptions(S.Spec!);
    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Spec is not null && S.State == SweepState.Running)
        {
            StartSpan(resumed: true);
            StartTimer();
        }
        if (S.Spec is not null) Publish();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        SingleDartsMetrics.WithdrawSweep(SiloName, Id);
        span?.SetTag("interrupted", "deactivated");
        SingleDartsTelemetry.End(span);
        return Task.CompletedTask;
    }

    public async Task<SweepStart> Start(SweepSpec spec)
    {
        if (S.Spec is { } existing)
            return SameSpec(existing, spec) ? new SweepStart { Status = Status() }
                : new SweepStart { Problems = [$"sweep id '{Id}' is already taken by another sweep: choose another id"] };
        var problems = SweepValidation.Validate(spec, Id);
        if (problems.Count > 0) return new SweepStart { Problems = [.. problems] };

        S.Spec = spec;
        S.State = SweepState.Running;
        S.CreatedAt = DateTimeOffset.UtcNow;
        S.TraceParent = SingleDartsTelemetry.IncomingParent();
        StartSpan(resumed: false);
        S.Seeds = [.. spec.Methods.SelectMany(m => spec.Seeds.Select(seed => new SweepEntry
        {
            Status = new SeedStatus { SweepId = Id, Method = m, Seed = seed, State = SeedState.Queued, Epochs = Shared.Epochs },
        }))];
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = new SweepGrainState();       // not recorded: a retry of the same start begins again
            SingleDartsTelemetry.End(span, "the sweep's state could not be written");
            span = null;
            throw;
        }
        Publish();
        await RegisterWatchdog();
        await UpdateRegistry();
        LogStarted(logger, Id, spec.Methods.Length, spec.Seeds.Length);
        await Dispatch();
        StartTimer();
        return new SweepStart { Status = Status() };
    }

    public Task<SweepStatus?> GetStatus() => Task.FromResult(S.Spec is null ? null : Status());

    public async Task<SeedDetail?> GetSeed(string method, long seed)
    {
        if (S.Spec is null || Find(method, seed) is not { } entry) return null;
        if (entry.Dispatched && await Seed(entry.Status).GetDetail() is { } detail) return detail;
        return SeedDetails.Of(entry.Status, entry.History);
    }

    public async Task<SweepStatus?> Cancel()
    {
        if (S.Spec is null) return null;
        if (S.State != SweepState.Running) return Status();
        S.State = SweepState.Cancelled;
        foreach (var entry in S.Seeds.Where(e => !e.Status.State.IsFinal()))
        {
            if (entry.Dispatched) await Seed(entry.Status).Cancel();
            else entry.Status = entry.Status with { State = SeedState.Cancelled, Reason = "sweep cancelled", FinishedAt = DateTimeOffset.UtcNow };
        }
        await Finish();
        return Status();
    }

    public async Task SeedChanged(SeedStatus status, EpochSummary[] newEpochs)
    {
        LogSeedChanged(logger, Id, status.Method, status.Seed, status.State, status.EpochsDone, newEpochs.Length);
        if (Find(status.Method, status.Seed) is not { } entry) return;
        var wasFinal = entry.Status.State.IsFinal();
        if (wasFinal && !status.State.IsFinal()) return;       // a late message from before the seed ended
        var stateChanged = entry.Status.State != status.State;
        entry.Dispatched = true;
        entry.Status = status;
        if (newEpochs.Length > 0 && newEpochs[0].Epoch == 1) entry.History = [.. newEpochs];   // the run (re)started
        else if (newEpochs.Length > 0 && newEpochs[0].Epoch == entry.History.Count + 1) entry.History.AddRange(newEpochs);
        if (entry.History.Count != status.EpochsDone)
        {
            // a one-way message was lost: take the seed's whole history
            entry.History = [.. (await Seed(status).GetDetail())?.History ?? []];
        }
        if (newEpochs.Length > 0 || stateChanged) await Save();
        Publish();
        if (stateChanged) await UpdateRegistry();
        if (status.State.IsFinal() && !wasFinal)
        {
            if (S.Seeds.All(e => e.Status.State.IsFinal())) await Finish();
            else await Dispatch();      // a slot is free
        }
    }

    /// <summary>Starts queued seeds on the workers with free slots (as this sweep counts them; each worker enforces its own limit).</summary>
    private async Task Dispatch()
    {
        if (S.State != SweepState.Running) return;
        var silos = workers.Active();
        var busy = S.Seeds.Where(e => e.Dispatched && !e.Status.State.IsFinal()).GroupBy(e => e.Status.Silo ?? "")
            .ToDictionary(g => g.Key, g => g.Count());
        var changed = false;
        foreach (var entry in S.Seeds.Where(e => !e.Dispatched && e.Status.State == SeedState.Queued).ToList())
        {
            var options = OptionsOf(entry);
            var capable = silos.Where(w => w.Device == options.Device).ToList();
            if (capable.Count == 0)
            {
                var reason = $"waiting for a {options.Device} worker silo ({silos.Count} other worker(s) in the cluster)";
                changed |= entry.Status.Reason != reason;
                entry.Status = entry.Status with { Reason = reason };
                continue;
            }
            var free = capable.Select(w => (w.Silo, Free: w.Slots - busy.GetValueOrDefault(w.Silo.Endpoint.ToString())))
                .Where(w => w.Free > 0).OrderByDescending(w => w.Free).FirstOrDefault();
            if (free.Silo is null) continue;
            var spec = SpecOf(entry);
            try
            {
                RequestContext.Set(IPlacementDirector.PlacementHintKey, free.Silo);
                var seed = Seed(entry.Status);
                var answer = await SingleDartsTelemetry.Under(span, () => seed.Start(spec));
                if (answer.EpochsDone != entry.History.Count)
                    // the seed kept its state when this coordinator lost its own: take its whole history
                    entry.History = [.. (await seed.GetDetail())?.History ?? []];
                entry.Status = answer;
                entry.Dispatched = changed = true;
                var at = entry.Status.Silo ?? "";
                busy[at] = busy.GetValueOrDefault(at) + 1;
            }
            catch (Exception ex)
            {
                LogDispatchFailed(logger, ex, Id, entry.Status.Method, entry.Status.Seed);
                break;      // retried by the timer
            }
            finally
            {
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }
        }
        if (!changed) return;
        await Save();
        Publish();
        if (S.Seeds.All(e => e.Status.State.IsFinal())) await Finish();
    }

    private async Task Finish()
    {
        if (S.State == SweepState.Running) S.State = SweepState.Completed;
        S.FinishedAt ??= DateTimeOffset.UtcNow;
        Publish();
        if (!await Save())
        {
            StartTimer();       // retried by the timer until the storage is back
            return;
        }
        timer?.Dispose();
        timer = null;
        span?.SetTag("sweep.state", S.State.ToString().ToLowerInvariant());
        span?.SetTag("sweep.failed", S.Seeds.Count(e => e.Status.State == SeedState.Failed));
        SingleDartsTelemetry.End(span);
        span = null;
        await UnregisterWatchdog();
        await UpdateRegistry();
        LogFinished(logger, Id, S.State);
    }

    private string SiloName => silo.SiloAddress.Endpoint.ToString();

    private SearchOptions OptionsOf(SweepEntry entry) => Shared with { Method = entry.Status.Method, Seed = entry.Status.Seed };

    private SeedSpec SpecOf(SweepEntry entry) => new()
    {
        SweepId = Id,
        Method = entry.Status.Method,
        Seed = entry.Status.Seed,
        OptionsJson = SweepValidation.ToJson(OptionsOf(entry)),
    };

    /// <summary>What the seeds-by-state gauge shows: the seed list <c>sweep status</c> shows.</summary>
    private void Publish() => SingleDartsMetrics.PublishSweep(SiloName, Id, [.. S.Seeds.Select(e => e.Status)]);

    private void StartSpan(bool resumed)
    {
        span = SingleDartsTelemetry.Start("sweep", S.TraceParent, new TagList
        {
            { SingleDartsMetrics.SweepIdTag, Id },
            { "sweep.name", S.Spec!.Name },
            { "sweep.methods", string.Join(",", S.Spec.Methods) },
            { "sweep.seeds", S.Spec.Seeds.Length },
        });
        if (resumed) span?.SetTag("resumed", true);
    }

    private void StartTimer() =>
        timer ??= this.RegisterGrainTimer(_ => Tick(), new GrainTimerCreationOptions(DispatchPeriod, DispatchPeriod) { KeepAlive = true });

    private SweepStatus Status() => new()
    {
        Id = Id,
        Spec = S.Spec!,
        State = S.State,
        CreatedAt = S.CreatedAt,
        FinishedAt = S.FinishedAt,
        Seeds = [.. S.Seeds.Select(e => e.Status)],
        Coordinator = SiloName,
        Methods = SweepAggregator.Aggregate(S.Spec!, [.. S.Seeds.Select(e => (e.Status, (IReadOnlyList<EpochSummary>)e.History))]),
    };

    private SweepSummary Summary() => new()
    {
        Id = Id,
        Name = S.Spec?.Name ?? "",
        State = S.State,
        CreatedAt = S.CreatedAt,
        Seeds = S.Seeds.Count,
        Completed = S.Seeds.Count(e => e.Status.State == SeedState.Completed),
        Failed = S.Seeds.Count(e => e.Status.State == SeedState.Failed),
        Running = S.Seeds.Count(e => e.Status.State == SeedState.Running),
    };

    private static bool SameSpec(SweepSpec a, SweepSpec b) =>
        a.Name == b.Name && a.Methods.SequenceEqual(b.Methods) && a.Seeds.SequenceEqual(b.Seeds)
        && a.SearchJson == b.SearchJson && a.CollapseThreshold == b.CollapseThreshold;

    private SweepEntry? Find(string method, long seed) => S.Seeds.FirstOrDefault(e => e.Status.Method == method && e.Status.Seed == seed);

    private ISeedGrain Seed(SeedStatus s) => GrainFactory.GetGrain<ISeedGrain>(SweepKeys.Seed(Id, s.Method, s.Seed));

    /// <summary>Tells the sweep list; a failure (its storage away) is logged, and the next state change tells it again.</summary>
    private async Task UpdateRegistry()
    {
        try
        {
            await GrainFactory.GetGrain<ISweepRegistryGrain>(0).Upsert(Summary());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRegistryFailed(logger, Id, Secrets.Brief(ex));
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep {Sweep}: could not start {Method} seed {Seed}; will retry")]
    private static partial void LogDispatchFailed(ILogger logger, Exception ex, string sweep, string method, long seed);
}
