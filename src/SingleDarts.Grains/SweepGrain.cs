using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Placement;
using SingleDarts.Abstractions;
using SingleDarts.Grains.Placement;
using SingleDarts.Grains.Telemetry;
using SingleDarts.Search.Options;
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
    private IReadOnlyDictionary<string, SearchOptions>? methodOptions;
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
            problems.Add($"the sweep has {size:N0} seeds ({spec.SeedCountsText()}); this cluster takes at most " +
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
        Metrics = Declared,
        Space = Wire.Of(Space),
        Data = Shared.Data,
        SyntheticData = Shared.IsSynthetic,
    };

    /// <summary>What the sweep's seeds report, declared by their sources (computed from the spec once per activation).</summary>
    private MetricInfo[] Declared => declared ??= Wire.Of(SweepValidation.Declared(S.Spec!));
    private MetricInfo[]? declared;

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
        && a.EvaluateJson == b.EvaluateJson && a.AlarmThreshold == b.AlarmThreshold && a.AlarmEpochs == b.AlarmEpochs && a.AlarmWarmup == b.AlarmWarmup && a.StopOnCollapse == b.StopOnCollapse && a.DartsEs == b.DartsEs;

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
}
