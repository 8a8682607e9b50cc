using SingleDarts.Abstractions;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Grains;

/// <summary>
/// The per-method stability figures of a sweep: final accuracies and every declared metric, collapse rate
/// and genotype agreement over the completed seeds' last epochs (so they can always be recomputed from the
/// seeds' results); the per-epoch curves come from the coordinator's running <see cref="EpochCurves"/>.
/// </summary>
public static class SweepAggregator
{
    /// <param name="space">the sweep's search space (its collapse rule's defaults, its genotypes).</param>
    /// <param name="curveOf">the per-epoch curve of a method.</param>
    public static MethodAggregate[] Aggregate(SweepSpec spec, ISearchSpace space, IReadOnlyList<SeedStatus> seeds, Func<string, EpochAggregate[]> curveOf)
    {
        var (rule, threshold) = SweepValidation.CollapseRuleOf(spec, space);
        return [.. spec.Methods.Select(method => Evaluations(
            ForMethod(method, space, CollapseRules.MetricKey(rule), threshold, [.. seeds.Where(s => s.Method == method && !s.IsEvaluation)], curveOf(method)),
            [.. seeds.Where(s => s.Method == method && s.IsEvaluation)]))];
    }

    /// <summary>The evaluation stage's figures of a method: its seeds' genotypes trained from scratch, final test accuracy in %.</summary>
    private static MethodAggregate Evaluations(MethodAggregate m, List<SeedStatus> evaluations) => evaluations.Count == 0 ? m : m with
    {
        Evaluated = evaluations.Count(s => s.State == SeedState.Completed),
        EvaluationsFailed = evaluations.Count(s => s.State == SeedState.Failed),
        EvaluationsRunning = evaluations.Count(s => s.State == SeedState.Running),
        TestAcc = StatOf(evaluations.Where(s => s.State == SeedState.Completed && s.Last?.TestAcc is not null).Select(s => s.Last!.TestAcc!.Value * 100)),
    };

    private static MethodAggregate ForMethod(string method, ISearchSpace space, string ruleKey, int threshold, List<SeedStatus> seeds, EpochAggregate[] curve)
    {
        int Count(SeedState s) => seeds.Count(x => x.State == s);
        var finals = seeds.Where(s => s.State == SeedState.Completed && s.Last is not null).Select(s => s.Last!).ToList();
        var archs = finals.Select(f => f.Arch).ToList();
        var modal = archs.GroupBy(a => a).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).FirstOrDefault();
        var keys = finals.SelectMany(f => f.Metrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return new MethodAggregate
        {
            Method = method,
            Seeds = seeds.Count,
            Completed = Count(SeedState.Completed),
            Failed = Count(SeedState.Failed),
            Cancelled = Count(SeedState.Cancelled),
            Running = Count(SeedState.Running),
            Queued = Count(SeedState.Queued),
            ValidAcc = StatOf(finals.Where(f => f.ValidAcc is not null).Select(f => f.ValidAcc!.Value)),
            Finals = keys.Select(k => (Key: k, Stat: StatOf(finals.Select(f => f.Metric(k)).OfType<double>().Where(double.IsFinite))))
                .Where(x => x.Stat is not null).ToDictionary(x => x.Key, x => x.Stat!),
            CollapseThreshold = threshold,
            CollapseRule = ruleKey,
            CountedEdges = space.CountedEdges,
            CollapseRate = finals.Count == 0 ? null : (double)finals.Count(f => f.Metric(ruleKey) >= threshold) / finals.Count,
            ModalArch = modal?.Key,
            ModalShare = modal is null ? null : (double)modal.Count() / archs.Count,
            MeanPairwiseHamming = archs.Count < 2 ? null : MeanPairwiseHamming([.. finals.Select(f => SlotsOf(f, space))], space.SlotCount),
            Curve = curve,
        };
    }

    /// <summary>Mean, sample standard deviation (n − 1; 0 for a single value), min, max and median; null for no values.</summary>
    public static Stat? StatOf(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0) return null;
        var mean = v.Average();
        var std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        var sorted = v.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return new Stat { N = v.Length, Mean = mean, Std = std, Min = sorted[0], Max = sorted[^1], Median = median };
    }

    /// <summary>A final's genotype slots: carried with the epoch, or parsed from its arch (records written before epochs carried them).</summary>
    private static IReadOnlyList<int> SlotsOf(EpochSummary final, ISearchSpace space)
    {
        if (final.Slots.Length == space.SlotCount) return final.Slots;
        try
        {
            return space.Parse(final.Arch).Slots;
        }
        catch (FormatException)
        {
            return [.. Enumerable.Repeat(-1, space.SlotCount)];       // not a genotype: differs from every other
        }
    }

    /// <summary>
    /// Mean over all pairs of the genotype slots on which two finals differ, from per-slot value counts
    /// in O(genotypes): on a slot, the pairs that differ are all pairs less those that share a value.
    /// </summary>
    private static double MeanPairwiseHamming(List<IReadOnlyList<int>> slots, int slotCount)
    {
        double n = slots.Count, differing = 0;
        for (var e = 0; e < slotCount; e++)
        {
            var sharing = slots.GroupBy(c => c[e]).Sum(g => (double)g.Count() * (g.Count() - 1) / 2);
            differing += n * (n - 1) / 2 - sharing;
        }
        return differing / (n * (n - 1) / 2);
    }
}
