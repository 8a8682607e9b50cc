using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SingleDarts.Abstractions;
using SingleDarts.Grains.Placement;
using SingleDarts.Grains.Telemetry;
using SingleDarts.Search.Options;
using SingleDarts.Search.Runs;

namespace SingleDarts.Grains;

/// <summary>A seed's launch: its search (or its genotype's evaluation) on a dedicated thread, its run folder, its drain timer.</summary>
public sealed partial class SeedGrain
{
    private void Launch(SeedSpec spec)
    {
        SingleDartsMetrics.Declare(SeedDetails.Declared(spec));      // its gauges exist before its first epoch
        if (spec.Stage == SeedStages.Evaluate)
        {
            LaunchEvaluation(spec);
            return;
        }
        var problems = new List<string>();
        var options = SearchOptionsJson.Parse(spec.OptionsJson, problems) is { } parsed ? parsed with { Threads = ThreadsOf(spec, parsed.Threads) } : null;
        var folder = new RunFolder(Path.Combine(worker.Value.RunsRoot, spec.SweepId, $"{spec.Method}-seed{spec.Seed}"));
        S.Status = S.Status with
        {
            Silo = SiloName, RunFolder = folder.Path, Epochs = options?.Epochs ?? 0, Space = options?.Space ?? "",
            Environment = options is null ? null : WorkerEnvironment.Describe(options.Threads, options.Device),
        };
        if (options is null || problems.Count > 0)
        {
            Fail("bad search options", problems);
            return;
        }
        span = SingleDartsTelemetry.Start("seed", S.TraceParent, SeedTags(spec));
        span?.SetTag("silo", SiloName);
        execution = SeedExecution.Start(search, options with { CacheDir = worker.Value.CacheDir }, folder, checkpointStores.For(spec, folder),
            checkpointStores.Policy, slots, threads, spec, span?.Id ?? S.TraceParent, S.History.Count, alarmEpoch: S.Status.AlarmEpoch);
        timer = this.RegisterGrainTimer(Drain, new GrainTimerCreationOptions(DrainPeriod, DrainPeriod) { KeepAlive = true });
    }

    /// <summary>The evaluation stage: the search's final genotype trained from scratch, in the run folder <c>&lt;method&gt;-seed&lt;seed&gt;-evaluate</c>.</summary>
    private void LaunchEvaluation(SeedSpec spec)
    {
        var problems = new List<string>();
        var options = EvalOptionsJson.Parse(spec.OptionsJson, problems) is { } parsed ? parsed with { Threads = ThreadsOf(spec, parsed.Threads) } : null;
        if (options is not null) problems.AddRange(options.Validate());
        var folder = new RunFolder(Path.Combine(worker.Value.RunsRoot, spec.SweepId, $"{spec.Method}-seed{spec.Seed}-{SeedStages.Evaluate}"));
        S.Status = S.Status with
        {
            Silo = SiloName, RunFolder = folder.Path, Epochs = options?.Epochs ?? 0, Space = options?.Space ?? "", Stage = SeedStages.Evaluate,
            Environment = options is null ? null : WorkerEnvironment.Describe(options.Threads, options.Device),
        };
        if (options is null || problems.Count > 0)
        {
            Fail("bad evaluate options", problems);
            return;
        }
        span = SingleDartsTelemetry.Start("evaluation", S.TraceParent, SingleDartsMetrics.SeedTags(spec.SweepId, spec.Method, spec.Seed, spec.Stage));
        span?.SetTag("silo", SiloName);
        execution = SeedExecution.StartEvaluation(search, options with { CacheDir = worker.Value.CacheDir }, folder, checkpointStores.For(spec, folder),
            checkpointStores.Policy, slots, threads, spec, span?.Id ?? S.TraceParent, S.History.Count);
        timer = this.RegisterGrainTimer(Drain, new GrainTimerCreationOptions(DrainPeriod, DrainPeriod) { KeepAlive = true });
    }

    /// <summary>
    /// The seed's libtorch threads: its spec's, else this worker's cores shared among its slots (chosen once, kept in the seed's
    /// state: a resume elsewhere continues with the count of its checkpoints). More than the cores is said in the seed's warnings.
    /// </summary>
    private int ThreadsOf(SeedSpec spec, int given)
    {
        var slots = worker.Value.EffectiveSlots;
        var threads = ThreadCount.IsSet(spec.OptionsJson) ? given : S.Threads ??= ThreadCount.PerSlot(slots);
        if (ThreadCount.Oversubscription(threads, slots) is { } warning) Warn($"{warning} (set threads in the spec, or fewer slots)");
        return threads;
    }

    private void Fail(string what, List<string> problems)
    {
        problems.Insert(0, what);
        S.Status = S.Status with { State = SeedState.Failed, Reason = string.Join("; ", problems) };
    }
}
