using SingleDarts.Abstractions;
using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Grains;

/// <summary>
/// The per-method stability figures of a sweep, computed from the per-seed results alone (so they
/// can always be recomputed): final accuracies over completed seeds; per-epoch curves over every
/// seed that reached the epoch.
/// </summary>
public static class SweepAggregator
{
    public static MethodAggregate[] Aggregate(SweepSpec spec, IReadOnlyList<(SeedStatus Status, IReadOnlyList<EpochSummary> History)> seeds) =>
        spec.Methods.Select(method => ForMethod(method, spec.CollapseThreshold, seeds.Where(s => s.Status.Method == method).ToList())).ToArray();

    private static MethodAggregate ForMethod(string method, int threshold, List<(SeedStatus Status, IReadOnlyList<EpochSummary> History)> seeds)
    {
        int Count(SeedState s) => seeds.Count(x => x.Status.State == s);
        var finals = seeds.Where(s => s.Status.State == SeedState.Completed && s.Status.Last is not null).Select(s => s.Status.Last!).ToList();
        var archs = finals.Select(f => f.Arch).ToList();
        var modal = archs.GroupBy(a => a).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).FirstOrDefault();
        var maxEpoch = seeds.SelectMany(s => s.History).Select(h => h.Epoch).DefaultIfEmpty(0).Max();
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
            Curve = Enumerable.Range(1, maxEpoch).Select(e =>
            {
                var at = seeds.Select(s => s.History.FirstOrDefault(h => h.Epoch == e)).OfType<EpochSummary>().ToList();
                return new EpochAggregate
                {
                    Epoch = e,
                    ValidAcc = StatOf(at.Where(h => h.ValidAcc is not null).Select(h => h.ValidAcc!.Value)),
                    TrainAcc = StatOf(at.Select(h => h.TrainAcc)) ?? new Stat(),
                    ParamFreeShare = StatOf(at.Select(h => h.ParamFreeShare)) ?? new Stat(),
                    Nb201Acc = StatOf(at.Where(h => h.Nb201Acc is not null).Select(h => h.Nb201Acc!.Value)),
                };
            }).Where(c => c.TrainAcc.N > 0).ToArray(),
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

    /// <summary>Edges (of the cell's 6) on which two arch strings choose different operations.</summary>
    public static int Hamming(string a, string b) => Genotype.Parse(a).HammingDistance(Genotype.Parse(b));

    private static double MeanPairwiseHamming(List<string> archs)
    {
        double sum = 0;
        var pairs = 0;
        for (var i = 0; i < archs.Count; i++)
            for (var j = i + 1; j < archs.Count; j++)
            {
                sum += Hamming(archs[i], archs[j]);
                pairs++;
            }
        return sum / pairs;
    }
}
