using SingleDarts.Abstractions;
using SingleDarts.Grains;
using SingleDarts.Search.Data;
using SingleDarts.Search.Measurement;
using SingleDarts.Search.Options;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Hosting;

/// <summary>
/// What a sweep of an earlier version (its export, or its cluster) did not record but this version derives, so that older
/// sweeps get the whole report: the data it ran on, the space's description and the alarm's default epochs from the space registry, today's
/// metric keys for the numbers an epoch carried under its own names, and what the space's benchmark says of each epoch's
/// cell (the transfer accuracies, which earlier versions did not look up).
/// </summary>
public static class OlderSweeps
{
    /// <summary>
    /// Exports written before the per-epoch numbers were declared data (up to commit acd674f) named them so; nothing else
    /// was ever written under these names. Kept in the epoch by the report's reader (<c>OlderExport</c>).
    /// </summary>
    private static readonly Dictionary<string, string> Renamed = new(StringComparer.Ordinal)
    {
        ["param_free_edges"] = CellMetrics.ParamFree,
        ["skip_connects"] = CellMetrics.SkipConnect,
        ["nb201_acc"] = Nb201Benchmark.TestAcc,
        ["nb201_rank"] = Nb201Benchmark.Rank,
        ["alpha_entropy"] = AlphaEntropy.Key,
    };

    /// <summary>The sweep and its seeds, completed where they lack what this version knows; unchanged when nothing is missing or the space is unknown.</summary>
    public static (SweepStatus Sweep, IReadOnlyList<SeedDetail> Seeds) Complete(SweepStatus sweep, IReadOnlyList<SeedDetail> seeds)
    {
        var name = sweep.Space.Name is { Length: > 0 } n ? n : seeds.Select(s => s.Space is { Length: > 0 } ? s.Space : s.Status.Space).FirstOrDefault(s => s.Length > 0);
        if (name is null || !SearchSpaces.TryGet(name, out var space)) return (sweep, seeds);
        var options = SearchOptionsJson.Parse(sweep.Spec.SearchJson, []) ?? SearchOptions.For(space.Name);
        // an export of an earlier version names no data: its spec's search options do (left out there: synthetic)
        if (sweep.Data.Length == 0) sweep = sweep with { Data = options.Data, SyntheticData = options.IsSynthetic };
        if (sweep.Space.Name.Length == 0) sweep = sweep with { Space = Wire.Of(space) };
        else if (sweep.Space.DefaultAlarmEpochs == 0) sweep = sweep with { Space = sweep.Space with { DefaultAlarmEpochs = space.DefaultAlarmEpochs } };
        if (sweep.Metrics.Length > 0) return (sweep, seeds);

        // an export of an earlier version: the numbers under today's keys, the cells' slots and benchmark values derived again
        var renamed = seeds.Select(s => EveryEpoch(s, e => WithTodaysKeys(e, space))).ToArray();
        var lookup = Benchmark(space, options, renamed);
        var completed = lookup is null ? renamed : [.. renamed.Select(s => EveryEpoch(s, e => Measured(e, space, lookup)))];
        var declared = MetricSources.Declared(RunScope.Of(options with { Space = space.Name }));
        var present = declared.Where(m => completed.Any(s => s.History.Any(h => h.Metrics.ContainsKey(m.Key))));
        var methods = sweep.Methods.Select(m => m.CollapseRule.Length > 0 ? m with { CollapseRule = CollapseRules.MetricKey(m.CollapseRule) } : m).ToArray();
        return (sweep with { Metrics = Wire.Of(present), Methods = methods }, completed);
    }

    /// <summary>The seed with <paramref name="change"/> applied to every epoch of its history and to its status' last epoch.</summary>
    private static SeedDetail EveryEpoch(SeedDetail seed, Func<EpochSummary, EpochSummary> change) => seed with
    {
        History = [.. seed.History.Select(change)],
        Status = seed.Status.Last is { } last ? seed.Status with { Last = change(last) } : seed.Status,
    };

    private static EpochSummary WithTodaysKeys(EpochSummary epoch, ISearchSpace space) => epoch with
    {
        Metrics = epoch.Metrics.ToDictionary(kv => Renamed.GetValueOrDefault(kv.Key, kv.Key), kv => kv.Value, StringComparer.Ordinal),
        Slots = epoch.Slots.Length == 0 && Parsed(space, epoch.Arch) is { } g ? [.. g.Slots] : epoch.Slots,
    };

    private static ISpaceGenotype? Parsed(ISearchSpace space, string arch)
    {
        try
        {
            return arch.Length > 0 ? space.Parse(arch) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// The lookup the seeds ran with: the one (of the datasets the options allow) whose test accuracy equals what the seeds
    /// recorded for their cells; none when no seed recorded one or none agrees (then nothing is derived).
    /// </summary>
    private static IBenchmarkLookup? Benchmark(ISearchSpace space, SearchOptions options, SeedDetail[] seeds)
    {
        if (space.Benchmark is not { } benchmark) return null;
        var recorded = seeds.SelectMany(s => s.History).Where(e => e.Metrics.ContainsKey(Nb201Benchmark.TestAcc) && e.Slots.Length > 0).Take(20).ToArray();
        if (recorded.Length == 0) return null;
        foreach (var (format, classes) in new[] { (DataFormats.Cifar10, 10), (DataFormats.Cifar100, 100) })
        {
            IBenchmarkLookup lookup;
            try
            {
                lookup = benchmark.Open(new BenchmarkSettings(options.Nb201, options.Nb201Dataset, options.Data), format, classes);
            }
            catch (DataException)
            {
                return null;
            }
            if (recorded.All(e => Agrees(lookup, space, e))) return lookup;
        }
        return null;
    }

    private static bool Agrees(IBenchmarkLookup lookup, ISearchSpace space, EpochSummary epoch)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        lookup.Measure(space.FromSlots(epoch.Slots), values);
        return values.TryGetValue(Nb201Benchmark.TestAcc, out var v) && Math.Abs(v - epoch.Metrics[Nb201Benchmark.TestAcc]) < 1e-3;
    }

    private static EpochSummary Measured(EpochSummary epoch, ISearchSpace space, IBenchmarkLookup lookup)
    {
        if (epoch.Slots.Length == 0) return epoch;
        var values = new Dictionary<string, double>(epoch.Metrics, StringComparer.Ordinal);
        lookup.Measure(space.FromSlots(epoch.Slots), values);
        space.MeasureCell(space.FromSlots(epoch.Slots), values);
        return epoch with { Metrics = values };
    }
}
