using System.Diagnostics;
using System.Threading.Channels;
using SingleDarts.Abstractions;
using SingleDarts.Grains.Telemetry;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Data;
using SingleDarts.Search.Evaluation;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Grains;

/// <summary>What the search thread tells its grain.</summary>
internal abstract record SeedEvent
{
    public sealed record Started(EpochSummary[] History, int StepsPerEpoch) : SeedEvent;
    public sealed record EpochDone(EpochSummary Epoch) : SeedEvent;
    public sealed record Ended(SeedState State, string? Reason) : SeedEvent;
    public sealed record Warned(string Message) : SeedEvent;

    /// <summary>The collapse alarm fired after <paramref name="Epoch"/>; <paramref name="Stopping"/>: the run ends there.</summary>
    public sealed record Alarmed(int Epoch, int Count, string Message, bool Stopping) : SeedEvent;
}

/// <summary>
/// One seed's search on a dedicated thread (never the Orleans scheduler or the shared thread pool:
/// a CPU-bound loop there starves the silo). It waits for a slot of the silo, runs the search core
/// exactly as <c>singledarts search</c> does, and reports through a channel the grain drains.
/// </summary>
internal sealed class SeedExecution : ISearchObserver, IEvalObserver
{
    private readonly Channel<SeedEvent> events = Channel.CreateUnbounded<SeedEvent>(new() { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource cancel = new();
    private readonly TagList tags;
    private readonly string? traceParent;
    private Activity? epochSpan;
    private int step, steps;

    private SeedExecution(SeedSpec spec, string? traceParent)
    {
        tags = SingleDartsMetrics.SeedTags(spec.SweepId, spec.Method, spec.Seed, spec.Stage);
        this.traceParent = traceParent;
    }

    public ChannelReader<SeedEvent> Events => events.Reader;
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Step within the running epoch (read by the grain's timer; written by the search thread).</summary>
    public (int Step, int Steps) Progress => (Volatile.Read(ref step), Volatile.Read(ref steps));

    /// <param name="alarmEpoch">the epoch after which the seed raised its collapse alarm in an earlier activation: it is raised
    /// once per seed, and a seed that stopped there (on_collapse: stop) stops there again.</param>
    public static SeedExecution Start(ISeedSearch search, SearchOptions options, RunFolder folder, ICheckpointStore store, CheckpointPolicy policy,
        SeedSlots slots, SeedThreads threads, SeedSpec spec, string? traceParent, int epochsRecorded, int? alarmEpoch = null) =>
        Start((e, checkpoints, resume, cancel) =>
        {
            e.alarm = spec.Alarm;
            e.alarmRaised = alarmEpoch is not null;
            if (spec.Alarm is { Stop: true } && alarmEpoch is { } at) (e.stopped, e.stoppedAt) = (true, at);
            e.countedEdges = Search.Spaces.SearchSpaces.TryGet(options.Space, out var space) ? space.CountedEdges : 0;
            search.Run(options, folder, resume, e, checkpoints, cancel);
        }, store, policy, slots, threads, spec, traceParent, epochsRecorded);

    /// <summary>The evaluation stage: the genotype of <paramref name="options"/> trained from scratch, on the same slots and checkpoints as a search.</summary>
    public static SeedExecution StartEvaluation(ISeedSearch search, EvalOptions options, RunFolder folder, ICheckpointStore store, CheckpointPolicy policy,
        SeedSlots slots, SeedThreads threads, SeedSpec spec, string? traceParent, int epochsRecorded)
    {
        var genotype = SearchSpaces.Get(options.Space).Parse(options.Arch);
        return Start((e, checkpoints, resume, cancel) =>
        {
            e.evaluated = genotype;
            search.Evaluate(options, folder, resume, e, checkpoints, cancel);
        }, store, policy, slots, threads, spec, traceParent, epochsRecorded);
    }

    private static SeedExecution Start(Action<SeedExecution, Checkpointing, bool, CancellationToken> run, ICheckpointStore store, CheckpointPolicy policy,
        SeedSlots slots, SeedThreads threads, SeedSpec spec, string? traceParent, int epochsRecorded)
    {
        var execution = new SeedExecution(spec, traceParent);
        var checkpoints = new Checkpointing(store, policy, execution.Warn);
        execution.Completion = Task.Factory.StartNew(() => execution.Run(run, checkpoints, slots, epochsRecorded),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        threads.Add(execution);
        return execution;
    }

    private ISpaceGenotype? evaluated;
    private CollapseAlarm? alarm;
    private bool alarmRaised, stopped;
    private int streak, countedEdges;

    public void Cancel() => cancel.Cancel();

    /// <param name="epochsRecorded">epochs the grain's state holds: a run that had them but finds no checkpoint says so.</param>
    private void Run(Action<SeedExecution, Checkpointing, bool, CancellationToken> run, Checkpointing checkpoints, SeedSlots slots, int epochsRecorded)
    {
        var (state, reason) = (SeedState.Failed, (string?)null);
        try
        {
            using var slot = slots.Acquire(cancel.Token);
            // a checkpoint left by an earlier activation (this silo's or a lost one's): continue from it;
            // a checkpoint of another run (other options) is refused by the restore
            var resume = checkpoints.Any(cancel.Token);
            if (!resume && epochsRecorded > 0)
                Warn($"no checkpoint in {checkpoints.Store.Location} although {epochsRecorded} epoch(s) were done; the seed starts again from epoch 1");
            run(this, checkpoints, resume, cancel.Token);
            state = SeedState.Completed;
            if (stopped) reason = $"stopped early by the collapse alarm (on_collapse: stop) after epoch {stoppedAt}";
        }
        catch (OperationCanceledException)
        {
            (state, reason) = (SeedState.Cancelled, "cancelled");
        }
        catch (SearchConfigException ex)
        {
            reason = string.Join("; ", ex.Problems);
        }
        catch (DataException ex)
        {
            reason = ex.Message.ReplaceLineEndings("; ");
        }
        catch (SearchDivergedException ex)
        {
            reason = ex.Message;
        }
        catch (CheckpointStoreException ex)
        {
            reason = $"checkpoint store: {ex.Message} (the checkpoints before it are intact)";
        }
        catch (Exception ex)
        {
            // A failing seed must never take the silo down: every failure becomes the seed's state.
            reason = $"{ex.GetType().Name}: {ex.Message}";
        }
        finally
        {
            epochSpan?.SetTag("interrupted", state.ToString().ToLowerInvariant());
            SingleDartsTelemetry.End(epochSpan, state == SeedState.Failed ? reason : null);
            events.Writer.TryWrite(new SeedEvent.Ended(state, reason));
            events.Writer.TryComplete();
        }
    }

    private void Warn(string message) => events.Writer.TryWrite(new SeedEvent.Warned(message));

    void ISearchObserver.Warning(string message) => Warn(message);

    void ISearchObserver.Started(RunStart start)
    {
        // a resumed run's streak of collapsed epochs continues from its history
        streak = 0;
        foreach (var r in start.History) streak = Collapsed(r) ? streak + 1 : 0;
        Volatile.Write(ref steps, start.StepsPerEpoch);
        events.Writer.TryWrite(new SeedEvent.Started([.. start.History.Select(Summaries.Of)], start.StepsPerEpoch));
    }

    void ISearchObserver.EpochStarting(int epoch)
    {
        var span = tags;
        span.Add("epoch", epoch);
        epochSpan = SingleDartsTelemetry.Start("epoch", traceParent, span);
    }

    void ISearchObserver.StepDone(StepInfo info)
    {
        SingleDartsMetrics.StepDone(tags, info.Duration, info.Images);
        Volatile.Write(ref step, info.Step);
    }

    void ISearchObserver.CheckpointSaved(int epoch, TimeSpan duration, long bytes)
    {
        SingleDartsMetrics.CheckpointSaved(tags, duration, bytes);
        var span = SingleDartsTelemetry.Start("checkpoint", epochSpan?.Id, new TagList { { "checkpoint.bytes", bytes } }, DateTimeOffset.UtcNow - duration);
        SingleDartsTelemetry.End(span);
    }

    private int stoppedAt;

    private bool Collapsed(EpochRecord r) => alarm is { } a && CollapseRules.Count(a.Rule, r.ParamFreeEdges, r.SkipConnects) >= a.Threshold;

    /// <summary>
    /// The collapse alarm: the cell at or over the threshold for the alarm's number of consecutive epochs raises
    /// it once per seed (here, on the search thread, so that a stop takes effect before the next epoch).
    /// </summary>
    private void CheckAlarm(EpochRecord r)
    {
        streak = Collapsed(r) ? streak + 1 : 0;
        if (alarm is not { } a || alarmRaised || streak < a.Epochs) return;
        alarmRaised = true;
        stopped = a.Stop;
        if (stopped) stoppedAt = r.Epoch;
        var count = CollapseRules.Count(a.Rule, r.ParamFreeEdges, r.SkipConnects);
        var kind = a.Rule == CollapseRules.SkipConnect ? "skip_connect" : "parameter-free";
        var message = $"collapse alarm after epoch {r.Epoch}: {count} of {countedEdges} edges {kind} (≥ {a.Threshold}) for {streak} consecutive epochs" +
                      (a.Stop ? "; the seed stops here (on_collapse: stop)" : "");
        epochSpan?.AddEvent(new ActivityEvent("collapse.alarm", tags: new ActivityTagsCollection { { "epoch", r.Epoch }, { "edges", count }, { "rule", a.Rule } }));
        events.Writer.TryWrite(new SeedEvent.Alarmed(r.Epoch, count, message, a.Stop));
    }

    bool ISearchObserver.StopAfter(EpochRecord record) => stopped && record.Epoch >= stoppedAt;

    void ISearchObserver.EpochDone(EpochRecord r)
    {
        Volatile.Write(ref step, 0);
        CheckAlarm(r);
        EpochEnded(Summaries.Of(r), (span, summary) =>
        {
            span.SetTag("valid.accuracy", summary.ValidAcc);
            span.SetTag("alpha.entropy", summary.AlphaEntropy);
            span.SetTag("cell.param_free_share", summary.ParamFreeShare);
            span.SetTag("cell.arch", summary.Arch);
            if (summary.Nb201Acc is { } acc) span.SetTag("nb201.accuracy", acc);
        });
    }

    /// <summary>An epoch's end, search or evaluation: its span gets the figures and ends, and the grain hears of it.</summary>
    private void EpochEnded(EpochSummary summary, Action<Activity, EpochSummary> tag)
    {
        if (epochSpan is { } span)
        {
            span.SetTag("train.loss", summary.TrainLoss);
            span.SetTag("train.accuracy", summary.TrainAcc);
            tag(span, summary);
            SingleDartsTelemetry.End(span);
            epochSpan = null;
        }
        events.Writer.TryWrite(new SeedEvent.EpochDone(summary));
    }

    void IEvalObserver.Warning(string message) => Warn(message);

    void IEvalObserver.Started(EvalRun run, bool resumed)
    {
        Volatile.Write(ref steps, run.StepsPerEpoch);
        events.Writer.TryWrite(new SeedEvent.Started([.. run.History.Select(r => Summaries.Of(r, evaluated!))], run.StepsPerEpoch));
    }

    void IEvalObserver.EpochStarting(int epoch) => ((ISearchObserver)this).EpochStarting(epoch);

    void IEvalObserver.StepDone(StepInfo info) => ((ISearchObserver)this).StepDone(info);

    void IEvalObserver.CheckpointSaved(int epoch, TimeSpan duration, long bytes) => ((ISearchObserver)this).CheckpointSaved(epoch, duration, bytes);

    void IEvalObserver.EpochDone(EvalEpochRecord r)
    {
        Volatile.Write(ref step, 0);
        EpochEnded(Summaries.Of(r, evaluated!), (span, summary) => span.SetTag("test.accuracy", summary.TestAcc));
    }
}

internal static class Summaries
{
    /// <summary>An evaluation epoch; the genotype's statistics stand in for the search's cell statistics.</summary>
    public static EpochSummary Of(EvalEpochRecord r, ISpaceGenotype genotype) => new()
    {
        Epoch = r.Epoch,
        TrainLoss = r.TrainLoss,
        TrainAcc = r.TrainAcc,
        TestAcc = r.TestAcc,
        Lr = r.Lr,
        Arch = genotype.Text,
        ParamFreeShare = genotype.ParameterFreeShare,
        ParamFreeEdges = genotype.ParameterFreeEdges,
        SkipConnects = genotype.SkipConnects,
        OpShares = genotype.OpShares(),
        Seconds = r.Seconds,
        AlphaEntropy = double.NaN,
        ImagesPerSecond = r.StepSeconds > 0 ? r.Images / r.StepSeconds : null,
    };

    public static EpochSummary Of(EpochRecord r) => new()
    {
        Epoch = r.Epoch,
        TrainLoss = r.TrainLoss,
        TrainAcc = r.TrainAcc,
        ValidAcc = r.ValidAcc,
        Lr = r.Lr,
        Arch = r.Arch,
        ParamFreeShare = r.ParamFreeShare,
        ParamFreeEdges = r.ParamFreeEdges,
        SkipConnects = r.SkipConnects,
        Nb201Acc = r.Nb201?.TestAcc,
        Nb201Rank = r.Nb201?.Rank,
        Alphas = r.Alphas,
        OpWeights = r.OpWeights,
        Seconds = r.Seconds,
        AlphaEntropy = CellStats.MeanEntropy(r.OpWeights),
        OpShares = r.OpShares,
        ImagesPerSecond = r.StepSeconds > 0 ? r.Images / r.StepSeconds : null,
    };
}
