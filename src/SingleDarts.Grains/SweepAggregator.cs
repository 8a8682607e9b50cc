using SingleDarts.Abstractions;
using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Grains;

/// <summary>
/// The per-method stability figures of a sweep: final accuracies, collapse rate and genotype
/// agreement over the completed seeds' last epochs (so they can always be recomputed from the seeds'
/// results); the per-epoch curves come from the coordinator's running <see cref="EpochCurves"/>.
/// </summary>
public static class SweepAggregator
{
    /// <param name="curveOf">the per-epoch curve of a method.</param>
    public static MethodAggregate[] Aggregate(SweepSpec spec, IReadOnlyList<SeedStatus> seeds, Func<string, EpochAggregate[]> curveOf) =>
        spec.Methods.Select(method => ForMethod(method, spec.CollapseThreshold, seeds.Where(s => s.Method == method).ToList(), curveOf(method))).ToArray();

    private static MethodAggregate ForMethod(string method, int threshold, List<SeedStatus> seeds, EpochAggregate[] curve)
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
            CollapseRate = finals.Count == 0 ? null : (double)finals.Count(f => ParamFreeEdges(f) >= threshold) / finals.Count,
            ModalArch = modal?.Key,
            ModalShare = modal is null ? null : (double)modal.Count() / archs.Count,
            MeanPairwiseHamming = archs.Count < 2 ? null : MeanPairwiseHamming(archs),
            Curve = curve,
        };
    }

    /// <summary>Edges of the epoch's cell whose operation is parameter-free (none, skip_connect, avg_pool_3x3).</summary>
    public static int ParamFreeEdges(EpochSummary e) => Genotype.Parse(e.Arch).ParameterFreeEdges;

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
    /// Mean over all pairs of the edges on which two cells differ, from per-edge operation counts in
    /// O(cells): on an edge, the pairs that differ are all pairs less those that share an operation.
    /// </summary>
    private static double MeanPairwiseHamming(List<string> archs)
    {
        var cells = archs.Select(Genotype.Parse).ToList();
        double n = cells.Count, differing = 0;
        for (var e = 0; e < Edge.Count; e++)
        {
            var sharing = cells.GroupBy(c => c.Ops[e]).Sum(g => (double)g.Count() * (g.Count() - 1) / 2);
            differing += n * (n - 1) / 2 - sharing;
        }
        return differing / (n * (n - 1) / 2);
    }
}
