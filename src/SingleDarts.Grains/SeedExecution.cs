using System.Diagnostics;
using System.Threading.Channels;
using SingleDarts.Abstractions;
using SingleDarts.Grains.Telemetry;
using SingleDarts.Search;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Data;
using SingleDarts.Search.Options;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;

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
internal sealed class SeedExecution : IRunObserver
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
        Start((e, checkpoints, cancel) =>
        {
            e.alarm = spec.Alarm;
            e.alarmRaised = alarmEpoch is not null;
            if (spec.Alarm is { Stop: true } && alarmEpoch is { } at) (e.stopped, e.stoppedAt) = (true, at);
            e.countedEdges = SearchSpaces.TryGet(options.Space, out var space) ? space.CountedEdges : 0;
            e.alarmFrom = spec.Alarm?.Earliest(options.Epochs) ?? 0;
            e.synthetic = options.IsSynthetic;
            search.Run(options, folder, e, checkpoints, cancel);
        }, store, policy, slots, threads, spec, traceParent, epochsRecorded);

    /// <summary>The evaluation stage: the genotype of <paramref name="options"/> trained from scratch, on the same slots and checkpoints as a search.</summary>
    public static SeedExecution StartEvaluation(ISeedSearch search, EvalOptions options, RunFolder folder, ICheckpointStore store, CheckpointPolicy policy,
        SeedSlots slots, SeedThreads threads, SeedSpec spec, string? traceParent, int epochsRecorded)
    {
        return Start((e, checkpoints, cancel) => search.Evaluate(options, folder, e, checkpoints, cancel),
            store, policy, slots, threads, spec, traceParent, epochsRecorded);
    }

    private static SeedExecution Start(Action<SeedExecution, Checkpointing, CancellationToken> run, ICheckpointStore store, CheckpointPolicy policy,
        SeedSlots slots, SeedThreads threads, SeedSpec spec, string? traceParent, int epochsRecorded)
    {
        var execution = new SeedExecution(spec, traceParent);
        var checkpoints = new Checkpointing(store, policy, execution.Warn);
        execution.Completion = Task.Factory.StartNew(() => execution.Run(run, checkpoints, slots, epochsRecorded),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        threads.Add(execution);
        return execution;
    }

    private CollapseAlarm? alarm;
    private string? earlyStop;       // a stopping rule's (DARTS-ES) reason, from the epoch that ended the run
    private bool alarmRaised, stopped;
    private bool synthetic;          // the alarm still fires (its mechanics), but says that it means nothing on generated images
    private int streak, countedEdges, epochsRecorded, alarmFrom;

    public void Cancel() => cancel.Cancel();

    /// <param name="epochsRecorded">epochs the grain's state holds: a run that had them but finds no checkpoint says so.</param>
    private void Run(Action<SeedExecution, Checkpointing, CancellationToken> run, Checkpointing checkpoints, SeedSlots slots, int epochsRecorded)
    {
        var (state, reason) = (SeedState.Failed, (string?)null);
        try
        {
            using var slot = slots.Acquire(cancel.Token);
            // a checkpoint left by an earlier activation (this silo's or a lost one's): the run continues from it
            // (a checkpoint of another run, other options, is refused by the restore); none: it starts again
            this.epochsRecorded = epochsRecorded;
            this.checkpointLocation = checkpoints.Store.Location;
            run(this, checkpoints, cancel.Token);
            state = SeedState.Completed;
            if (stopped) reason = $"stopped early by the collapse alarm (on_collapse: stop) after epoch {stoppedAt}";
            else if (earlyStop is not null) reason = earlyStop;
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

    private string? checkpointLocation, kind;

    void IRunObserver.Warning(string message) => Warn(message);

    void IRunObserver.Started(RunStart start)
    {
        kind = start.Kind;
        if (!start.Resumed && epochsRecorded > 0)
            Warn($"no checkpoint in {checkpointLocation} although {epochsRecorded} epoch(s) were done; the seed starts again from epoch 1");
        if (start.ResumedAt is { } at)
            Warn($"continues epoch {at.Epoch} after step {at.Step} of {start.StepsPerEpoch} from its mid-epoch checkpoint");
        if (start.History is [.., { Stop: { } stop }]) earlyStop = stop;
        Volatile.Write(ref steps, start.StepsPerEpoch);
        SingleDartsMetrics.SeedStarted(tags);
        events.Writer.TryWrite(new SeedEvent.Started([.. start.History.Select(Wire.Of)], start.StepsPerEpoch));
        // a resumed run's streak of collapsed epochs continues from its history; an alarm its history holds but this seed's record
        // lacks (the record was lost with in-memory grain state, the run folder was not) is raised at the epoch it belongs to
        streak = 0;
        foreach (var r in start.History)
        {
            if (kind == Search.Measurement.RunKinds.Search) CheckAlarm(r);
            else streak = Collapsed(r) ? streak + 1 : 0;
        }
    }

    void IRunObserver.EpochStarting(int epoch)
    {
        var span = tags;
        span.Add("epoch", epoch);
        epochSpan = SingleDartsTelemetry.Start("epoch", traceParent, span);
    }

    void IRunObserver.StepDone(StepInfo info)
    {
        SingleDartsMetrics.StepDone(tags, info.Duration, info.Images);
        Volatile.Write(ref step, info.Step);
    }

    void IRunObserver.CheckpointSaved(int epoch, TimeSpan duration, long bytes)
    {
        SingleDartsMetrics.CheckpointSaved(tags, duration, bytes);
        var span = SingleDartsTelemetry.Start("checkpoint", epochSpan?.Id, new TagList { { "checkpoint.bytes", bytes } }, DateTimeOffset.UtcNow - duration);
        SingleDartsTelemetry.End(span);
    }

    private int stoppedAt;

    private bool Collapsed(EpochRecord r) => alarm is { } a && r.Metric(CollapseRules.MetricKey(a.Rule)) >= a.Threshold;

    /// <summary>
    /// The collapse alarm: the cell at or over the threshold for the alarm's number of consecutive epochs raises
    /// it once per seed (here, on the search thread, so that a stop takes effect before the next epoch), not before the end of its
    /// warm-up (the streak counts during it).
    /// </summary>
    private void CheckAlarm(EpochRecord r)
    {
        streak = Collapsed(r) ? streak + 1 : 0;
        if (alarm is not { } a || alarmRaised || streak < a.Epochs || r.Epoch < alarmFrom) return;
        alarmRaised = true;
        stopped = a.Stop;
        if (stopped) stoppedAt = r.Epoch;
        var count = (int)(r.Metric(CollapseRules.MetricKey(a.Rule)) ?? 0);
        var kind = a.Rule == CollapseRules.SkipConnect ? "skip_connect" : a.Rule == CollapseRules.ParamFree ? "parameter-free" : a.Rule;
        var message = $"collapse alarm after epoch {r.Epoch}: {count} of {countedEdges} edges {kind} (≥ {a.Threshold}) for {streak} consecutive epochs" +
                      (a.Stop ? "; the seed stops here (on_collapse: stop)" : "") + (synthetic ? $" ({SyntheticData.NotMeaningful})" : "");
        epochSpan?.AddEvent(new ActivityEvent("collapse.alarm", tags: new ActivityTagsCollection { { "epoch", r.Epoch }, { "edges", count }, { "rule", a.Rule } }));
        events.Writer.TryWrite(new SeedEvent.Alarmed(r.Epoch, count, message, a.Stop));
    }

    bool IRunObserver.StopAfter(EpochRecord record) => stopped && record.Epoch >= stoppedAt;

    void IRunObserver.EpochDone(EpochRecord r)
    {
        Volatile.Write(ref step, 0);
        if (r.Stop is { } stop) earlyStop = stop;
        if (kind == Search.Measurement.RunKinds.Search) CheckAlarm(r);        // an evaluation's cell does not change: no alarm
        EpochEnded(Wire.Of(r), (span, summary) =>
        {
            if (summary.ValidAcc is { } valid) span.SetTag("valid.accuracy", valid);
            if (summary.TestAcc is { } test) span.SetTag("test.accuracy", test);
            span.SetTag("cell.arch", summary.Arch);
            foreach (var (key, value) in summary.Metrics) span.SetTag(key, value);
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
}
