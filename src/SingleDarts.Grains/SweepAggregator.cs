using SingleDarts.Abstractions;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Grains;

/// <summary>
/// The per-method stability figures of a sweep: final accuracies, collapse rate and genotype
/// agreement over the completed seeds' last epochs (so they can always be recomputed from the seeds'
/// results); the per-epoch curves come from the coordinator's running <see cref="EpochCurves"/>.
/// </summary>
public static class SweepAggregator
{
    /// <param name="space">the sweep's search space (its collapse rule's defaults, its genotypes).</param>
    /// <param name="curveOf">the per-epoch curve of a method.</param>
    public static MethodAggregate[] Aggregate(SweepSpec spec, ISearchSpace space, IReadOnlyList<SeedStatus> seeds, Func<string, EpochAggregate[]> curveOf)
    {
        var (rule, threshold) = SweepValidation.CollapseRuleOf(spec, space);
        return [.. spec.Methods.Select(method => Evaluations(
            ForMethod(method, space, rule, threshold, [.. seeds.Where(s => s.Method == method && !s.IsEvaluation)], curveOf(method)),
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

    private static MethodAggregate ForMethod(string method, ISearchSpace space, string rule, int threshold, List<SeedStatus> seeds, EpochAggregate[] curve)
    {
        int Count(SeedState s) => seeds.Count(x => x.State == s);
        var finals = seeds.Where(s => s.State == SeedState.Completed && s.Last is not null).Select(s => s.Last!).ToList();
        var archs = finals.Select(f => f.Arch).ToList();
        var modal = archs.GroupBy(a => a).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).FirstOrDefault();
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
            Nb201Acc = StatOf(finals.Where(f => f.Nb201Acc is not null).Select(f => f.Nb201Acc!.Value)),
            CollapseThreshold = threshold,
            CollapseRule = rule,
            CountedEdges = space.CountedEdges,
            CollapseRate = finals.Count == 0 ? null : (double)finals.Count(f => CollapseRules.Count(rule, f.ParamFreeEdges, f.SkipConnects) >= threshold) / finals.Count,
            MeanParamFreeEdges = finals.Count == 0 ? null : finals.Average(f => (double)f.ParamFreeEdges),
            MeanSkipConnects = finals.Count == 0 ? null : finals.Average(f => (double)f.SkipConnects),
            ModalArch = modal?.Key,
            ModalShare = modal is null ? null : (double)modal.Count() / archs.Count,
            MeanPairwiseHamming = archs.Count < 2 ? null : MeanPairwiseHamming(archs, space),
            Curve = curve,
        };
    }

    /// <summary>Mean, sample standard deviation (n − 1; 0 for a single value), min, max; null for no values.</summary>
    public static Stat? StatOf(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0) return null;
        var mean = v.Average();
        var std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return new Stat { N = v.Length, Mean = mean, Std = std, Min = v.Min(), Max = v.Max() };
    }

    /// <summary>
    /// Mean over all pairs of the genotype slots on which two finals differ, from per-slot value counts
    /// in O(genotypes): on a slot, the pairs that differ are all pairs less those that share a value.
    /// </summary>
    private static double MeanPairwiseHamming(List<string> archs, ISearchSpace space)
    {
        var slots = archs.Select(a => space.Parse(a).Slots).ToList();
        double n = slots.Count, differing = 0;
        for (var e = 0; e < space.SlotCount; e++)
        {
            var sharing = slots.GroupBy(c => c[e]).Sum(g => (double)g.Count() * (g.Count() - 1) / 2);
            differing += n * (n - 1) / 2 - sharing;
        }
        return differing / (n * (n - 1) / 2);
    }
}
