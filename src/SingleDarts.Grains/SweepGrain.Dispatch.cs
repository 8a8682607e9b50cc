using Orleans.Runtime.Placement;
using SingleDarts.Abstractions;
using SingleDarts.Grains.Telemetry;
using SingleDarts.Search.Options;

namespace SingleDarts.Grains;

/// <summary>The coordinator's dispatch: queued seeds onto free worker slots, evaluations after their searches.</summary>
public sealed partial class SweepGrain
{
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

    private SearchOptions OptionsOf(SweepSeed entry) =>
        (methodOptions ??= SweepValidation.MethodOptions(S.Spec!))[entry.Status.Method] with { Seed = entry.Status.Seed };

    private SeedSpec SpecOf(SweepSeed entry) => new()
    {
        SweepId = Id,
        Method = entry.Status.Method,
        Seed = entry.Status.Seed,
        Stage = entry.Status.Stage,
        OptionsJson = WorkerThreads(entry.Status.IsEvaluation
            ? EvalOptionsJson.ToJson(Evaluation! with
            {
                Arch = Find(SeedStages.Search, entry.Status.Method, entry.Status.Seed)!.Status.Last!.Arch,
                Seed = entry.Status.Seed,
            })
            : SearchOptionsJson.ToJson(OptionsOf(entry)), entry.Status.IsEvaluation),
        Alarm = entry.Status.IsEvaluation ? null : SweepValidation.AlarmOf(S.Spec!, Space),
    };

    /// <summary>A seed's options without threads when the spec does not set them: the worker that runs it gives it its share of its cores.</summary>
    private string WorkerThreads(string optionsJson, bool evaluation) =>
        ThreadCount.IsSet(S.Spec!.SearchJson) || evaluation && S.Spec.EvaluateJson is { } e && ThreadCount.IsSet(e) ? optionsJson : ThreadCount.Unset(optionsJson);
}
