using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Placement;
using SingleDarts.Abstractions;
using SingleDarts.Grains.Placement;
using SingleDarts.Grains.Telemetry;
using SingleDarts.Search.Evaluation;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Grains;

/// <summary>
/// The coordinator of one sweep: launches every (method, seed) on the worker silos as their slots
/// free up, keeps each seed's latest status and the running per-epoch curves, and aggregates
/// across seeds. Epoch histories stay with the seeds. State writes are batched — at most one a
/// second, plus one at once for every seed that ends — so a sweep costs O(1) writes per epoch.
/// </summary>
public sealed partial class SweepGrain(
    [PersistentState("sweep", SweepStorage.Name)] IPersistentState<SweepGrainState> state,
    WorkerSilos workers,
    ILocalSiloDetails silo,
    IOptions<CoordinatorOptions> options,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain, IRemindable
{
    private const string Watchdog = "watchdog";
    private static readonly TimeSpan TickPeriod = TimeSpan.FromSeconds(1);
    private DateTime lastWake, lastSave;
    private bool watchdog;
    private StateWrites<SweepGrainState>? writes;
    private IGrainTimer? timer;
    private Activity? span;
    private SearchOptions? shared;
    private EvalOptions? evaluation;
    private List<SweepSeed> seeds = [];
    private Dictionary<(string Stage, string Method, long Seed), SweepSeed> byKey = [];
    private readonly HashSet<SweepSeed> active = [];        // dispatched and not ended
    private EpochCurves curves = new([]);
    private int firstQueued;                                // seeds before it are all dispatched or ended
    private bool dirty, registryDirty, publishDirty;
    private bool finished;                                  // the end has been written and the watchdog removed

    private SweepGrainState S => state.State;

    /// <summary>The options every seed shares (the spec was validated when the sweep started).</summary>
    private SearchOptions Shared => shared ??= SweepValidation.SharedOptions(S.Spec!);

    /// <summary>The options every seed's evaluation shares, genotype and seed aside; null without an evaluation stage.</summary>
    private EvalOptions? Evaluation => S.Spec?.EvaluateJson is null ? null : evaluation ??= SweepValidation.EvaluationOptions(S.Spec);

    private ISearchSpace Space => SearchSpaces.Get(Shared.Space);
    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Spec is null) return Task.CompletedTask;
        Load(SweepSeeds.Unpack(S.Seeds, Id, S.Spec, Shared.Epochs, Space, Evaluation?.Epochs), EpochCurves.Unpack(S.Curves, S.Spec.Methods));
        finished = S.State != SweepState.Running && S.FinishedAt is not null;
        if (S.State == SweepState.Running) StartSpan(resumed: true);
        // a running sweep needs its timer; an ended one too while seeds are known only from their records
        if (S.State == SweepState.Running || seeds.Any(e => e.Partial && e.Dispatched)) StartTimer();
        Publish();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        SingleDartsMetrics.WithdrawSweep(SiloName, Id);
        span?.SetTag("interrupted", "deactivated");
        SingleDartsTelemetry.End(span);
        // a silo shutting down (or an idle collection) must not drop the changes the batched writes have not
        // written yet: the next activation would show a seed that ended meanwhile as still running
        if (dirty && S.Spec is not null && !Writes.Stale)
        {
            try
            {
                await Save();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDeactivationWriteFailed(logger, Id, Secrets.Brief(ex));
            }
        }
    }

    public async Task<SweepStart> Start(SweepSpec spec)
    {
        if (S.Spec is { } existing)
            return SameSpec(existing, spec) ? new SweepStart { Status = Status() }
                : new SweepStart { Problems = [$"sweep id '{Id}' is already taken by another sweep: choose another id"] };
        var problems = SweepValidation.Validate(spec, Id).ToList();
        var size = spec.PairCount;
        if (size > options.Value.MaxSeeds)
            problems.Add($"the sweep has {size:N0} seeds ({spec.Methods.Length} method(s), {spec.SeedsText()}); this cluster takes at most " +
                $"{options.Value.MaxSeeds:N0} ({CoordinatorOptions.Section}:MaxSeeds)");
        if (problems.Count > 0) return new SweepStart { Problems = [.. problems] };

        S.Spec = spec;
        S.State = SweepState.Running;
        S.CreatedAt = DateTimeOffset.UtcNow;
        S.TraceParent = SingleDartsTelemetry.IncomingParent();
        StartSpan(resumed: false);
        Load(SweepSeeds.Create(Id, spec, Shared.Epochs, Space, Evaluation?.Epochs), new EpochCurves(spec.Methods));
        Pack();
        try
        {
            Writes.Stamp();
            await state.WriteStateAsync();
            SingleDartsMetrics.SweepStateWritten(Id, S.Seeds.Length + S.Curves.Length);
        }
        catch
        {
            state.State = new SweepGrainState();       // not recorded: a retry of the same start begins again
            Load([], new EpochCurves([]));
            SingleDartsTelemetry.End(span, "the sweep's state could not be written");
            span = null;
            throw;
        }
        Publish();
        await RegisterWatchdog();
        await UpdateRegistry();
        LogStarted(logger, Id, spec.Methods.Length, (int)spec.PairCount);
        await Dispatch();
        StartTimer();
        return new SweepStart { Status = Status() };
    }

    public Task<SweepStatus?> GetStatus() => Task.FromResult(S.Spec is null ? null : Status());

    /// <summary>The seed's whole history comes from the seed grain, which keeps it.</summary>
    public Task<SeedDetail?> GetSeed(string method, long seed) => GetSeedStage(method, seed, SeedStages.Search);

    public async Task<SeedDetail?> GetSeedStage(string method, long seed, string stage)
    {
        if (S.Spec is null || Find(stage, method, seed) is not { } entry) return null;
        if (entry.Dispatched && await Seed(entry.Status).GetDetail() is { } detail) return detail;
        return SeedDetails.Of(entry.Status, []);
    }

    public async Task<SweepStatus?> Cancel()
    {
        if (S.Spec is null) return null;
        if (S.State != SweepState.Running) return Status();
        S.State = SweepState.Cancelled;
        foreach (var entry in seeds.Where(e => !e.Status.State.IsFinal()))
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

    /// <summary>Starts queued seeds on the workers with free slots (as this sweep counts them; each worker enforces its own limit).</summary>
    private async Task Dispatch()
    {
        if (S.State != SweepState.Running) return;
        var silos = workers.Active();
        var busy = active.GroupBy(e => e.Status.Silo ?? "").ToDictionary(g => g.Key, g => g.Count());
        var changed = false;
        while (firstQueued < seeds.Count && (seeds[firstQueued].Dispatched || seeds[firstQueued].Status.State != SeedState.Queued)) firstQueued++;
        for (var i = firstQueued; i < seeds.Count; i++)
        {
            var entry = seeds[i];
            if (entry.Dispatched || entry.Status.State != SeedState.Queued) continue;
            if (entry.Status.IsEvaluation && !ReadyToEvaluate(entry))
            {
                changed |= entry.Status.State.IsFinal();
                continue;
            }
            var device = entry.Status.IsEvaluation ? Evaluation!.Device : OptionsOf(entry).Device;
            var capable = silos.Where(w => w.Device == device).ToList();
            if (capable.Count == 0)
            {
                var reason = $"waiting for a {device} worker silo ({silos.Count} other worker(s) in the cluster)";
                changed |= entry.Status.Reason != reason;
                entry.Status = entry.Status with { Reason = reason };
                continue;
            }
            var free = capable.Select(w => (w.Silo, Free: w.Slots - busy.GetValueOrDefault(w.Silo.Endpoint.ToString())))
                .Where(w => w.Free > 0).OrderByDescending(w => w.Free).FirstOrDefault();
            if (free.Silo is null) break;      // every capable worker is full: later seeds wait too
            var spec = SpecOf(entry);
            try
            {
                RequestContext.Set(IPlacementDirector.PlacementHintKey, free.Silo);
                var seed = Seed(entry.Status);
                var answer = await SingleDartsTelemetry.Under(span, () => seed.Start(spec));
                // a seed that kept its state while this coordinator lost its own catches up here
                await Apply(entry, answer, []);
                changed = true;
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
        dirty = publishDirty = registryDirty = true;
        if (seeds.All(e => e.Status.State.IsFinal())) await Finish();
    }

    private async Task Finish()
    {
        if (S.State == SweepState.Running) S.State = SweepState.Completed;
        S.FinishedAt ??= DateTimeOffset.UtcNow;
        dirty = true;
        Publish();
        if (!await Save())
        {
            StartTimer();       // retried by the timer until the storage is back
            return;
        }
        timer?.Dispose();
        timer = null;
        span?.SetTag("sweep.state", S.State.ToString().ToLowerInvariant());
        span?.SetTag("sweep.failed", seeds.Count(e => e.Status.State == SeedState.Failed));
        SingleDartsTelemetry.End(span);
        span = null;
        await UnregisterWatchdog();
        await UpdateRegistry();
        if (!finished) LogFinished(logger, Id, S.State);
        finished = true;
        if (seeds.Any(e => e.Partial && e.Dispatched)) StartTimer();      // to ask them for their full status
    }

    /// <summary>
    /// Whether an evaluation can start: its search completed with a genotype. When the search failed or
    /// was cancelled, the evaluation is cancelled with it (the sweep can then end).
    /// </summary>
    private bool ReadyToEvaluate(SweepSeed entry)
    {
        var search = Find(SeedStages.Search, entry.Status.Method, entry.Status.Seed)!.Status;
        if (search.State == SeedState.Completed && search.Last?.Arch is { Length: > 0 }) return true;
        if (search.State.IsFinal())
            entry.Status = entry.Status with
            {
                State = SeedState.Cancelled, FinishedAt = DateTimeOffset.UtcNow,
                Reason = search.State == SeedState.Completed ? "its search ended without a genotype" : $"its search {search.State.ToString().ToLowerInvariant()}",
            };
        return false;
    }

    private void Load(List<SweepSeed> loaded, EpochCurves loadedCurves)
    {
        seeds = loaded;
        byKey = seeds.ToDictionary(e => (e.Status.Stage, e.Status.Method, e.Status.Seed));
        curves = loadedCurves;
        active.Clear();
        active.UnionWith(seeds.Where(e => e.Dispatched && !e.Status.State.IsFinal()));
        firstQueued = 0;
    }

    /// <summary>Packs the seeds and curves into the grain state (then written by <see cref="Save"/>).</summary>
    private void Pack()
    {
        S.Seeds = SweepSeeds.Pack(seeds, Space);
        S.Curves = curves.Pack();
    }

    private string SiloName => silo.SiloAddress.Endpoint.ToString();

    private SearchOptions OptionsOf(SweepSeed entry) => Shared with { Method = entry.Status.Method, Seed = entry.Status.Seed };

    private SeedSpec SpecOf(SweepSeed entry) => new()
    {
        SweepId = Id,
        Method = entry.Status.Method,
        Seed = entry.Status.Seed,
        Stage = entry.Status.Stage,
        OptionsJson = entry.Status.IsEvaluation
            ? EvalOptionsJson.ToJson(Evaluation! with
            {
                Arch = Find(SeedStages.Search, entry.Status.Method, entry.Status.Seed)!.Status.Last!.Arch,
                Seed = entry.Status.Seed,
            })
            : SearchOptionsJson.ToJson(OptionsOf(entry)),
        Alarm = entry.Status.IsEvaluation ? null : SweepValidation.AlarmOf(S.Spec!, Space),
    };

    /// <summary>What the seeds-by-state gauge shows: the seed list <c>sweep status</c> shows.</summary>
    private void Publish()
    {
        SingleDartsMetrics.PublishSweep(SiloName, Id, [.. seeds.Select(e => e.Status)]);
        publishDirty = false;
    }

    private void StartSpan(bool resumed)
    {
        span = SingleDartsTelemetry.Start("sweep", S.TraceParent, new TagList
        {
            { SingleDartsMetrics.SweepIdTag, Id },
            { "sweep.name", S.Spec!.Name },
            { "sweep.methods", string.Join(",", S.Spec.Methods) },
            { "sweep.seeds", S.Spec.PairCount },
        });
        if (resumed) span?.SetTag("resumed", true);
    }

    private void StartTimer() =>
        timer ??= this.RegisterGrainTimer(_ => Tick(), new GrainTimerCreationOptions(TickPeriod, TickPeriod) { KeepAlive = true });

    private SweepStatus Status() => new()
    {
        Id = Id,
        Spec = S.Spec!,
        State = S.State,
        CreatedAt = S.CreatedAt,
        FinishedAt = S.FinishedAt,
        Seeds = [.. seeds.Select(e => e.Status)],
        Coordinator = SiloName,
        Slots = workers.Active().Sum(w => w.Slots),
        Methods = SweepAggregator.Aggregate(S.Spec!, Space, [.. seeds.Select(e => e.Status)], curves.Curve),
    };

    private SweepSummary Summary() => new()
    {
        Id = Id,
        Name = S.Spec?.Name ?? "",
        State = S.State,
        CreatedAt = S.CreatedAt,
        Seeds = seeds.Count(e => !e.Status.IsEvaluation),
        Completed = seeds.Count(e => !e.Status.IsEvaluation && e.Status.State == SeedState.Completed),
        Failed = seeds.Count(e => e.Status.State == SeedState.Failed),
        Running = seeds.Count(e => e.Status.State == SeedState.Running),
    };

    private static bool SameSpec(SweepSpec a, SweepSpec b) =>
        a.Name == b.Name && a.SameSeeds(b)
        && a.SearchJson == b.SearchJson && a.CollapseThreshold == b.CollapseThreshold && a.CollapseRule == b.CollapseRule
        && a.EvaluateJson == b.EvaluateJson && a.AlarmThreshold == b.AlarmThreshold && a.AlarmEpochs == b.AlarmEpochs && a.StopOnCollapse == b.StopOnCollapse;

    private SweepSeed? Find(string stage, string method, long seed) => byKey.GetValueOrDefault((stage, method, seed));

    private ISeedGrain Seed(SeedStatus s) => GrainFactory.GetGrain<ISeedGrain>(SweepKeys.Seed(Id, s.Method, s.Seed, s.Stage));

    /// <summary>Tells the sweep list; a failure (its storage away) is logged, and the next tick tells it again.</summary>
    private async Task UpdateRegistry()
    {
        try
        {
            await GrainFactory.GetGrain<ISweepRegistryGrain>(0).Upsert(Summary());
            registryDirty = false;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep {Sweep}: its last changes could not be written on deactivation ({Reason}); seeds are asked again when it reactivates")]
    private static partial void LogDeactivationWriteFailed(ILogger logger, string sweep, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep {Sweep}: could not start {Method} seed {Seed}; will retry")]
    private static partial void LogDispatchFailed(ILogger logger, Exception ex, string sweep, string method, long seed);
}
