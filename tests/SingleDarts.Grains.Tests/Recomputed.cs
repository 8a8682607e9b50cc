using SingleDarts.Abstractions;

namespace SingleDarts.Grains.Tests;

/// <summary>The stability figures recomputed from scratch, independently of SweepAggregator.</summary>
internal static class Recomputed
{
    private static readonly HashSet<string> ParamFreeOps = ["none", "skip_connect", "avg_pool_3x3"];

    /// <summary>The ops of an arch string |op~0|+|op~0|op~1|+|op~0|op~1|op~2| in edge order.</summary>
    public static string[] Ops(string arch) =>
        [.. arch.Split('|', StringSplitOptions.RemoveEmptyEntries).Where(t => t != "+").Select(t => t[..t.IndexOf('~')])];

    public static int ParamFree(string arch) => Ops(arch).Count(ParamFreeOps.Contains);

    public static (string Arch, double Share) Modal(List<string> archs)
    {
        var best = archs.Distinct().OrderBy(a => a, StringComparer.Ordinal).MaxBy(a => archs.Count(x => x == a))!;
        return (best, archs.Count(x => x == best) / (double)archs.Count);
    }

    public static double MeanPairwiseHamming(List<string> archs)
    {
        var d = new List<int>();
        for (var i = 0; i < archs.Count; i++)
            for (var j = i + 1; j < archs.Count; j++)
                d.Add(Ops(archs[i]).Zip(Ops(archs[j])).Count(p => p.First != p.Second));
        return d.Average();
    }

    /// <summary>The 16 (operation, input) genes of a DARTS genotype string, normal cell first, read with a regular expression.</summary>
    public static (string Op, int From)[] DartsGenes(string arch) =>
        [.. System.Text.RegularExpressions.Regex.Matches(arch, @"\('(\w+)', (\d+)\)").Select(m => (m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))];

    public static int DartsHamming(string a, string b) => DartsGenes(a).Zip(DartsGenes(b)).Count(p => p.First != p.Second);

    public static void AssertStat(IReadOnlyList<double> values, Stat? stat)
    {
        Assert.NotNull(stat);
        var mean = values.Sum() / values.Count;
        var std = values.Count > 1 ? Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Sum() / (values.Count - 1)) : 0;
        Assert.Equal(values.Count, stat.N);
        Assert.Equal(mean, stat.Mean, 1e-12 * Math.Max(1, Math.Abs(mean)));
        Assert.Equal(std, stat.Std, 1e-12 * Math.Max(1, Math.Abs(std)));
        Assert.Equal(values.Min(), stat.Min);
        Assert.Equal(values.Max(), stat.Max);
    }

    /// <summary>Two curves are the same: epoch by epoch, the same statistics of the same metrics.</summary>
    public static void AssertSameCurve(EpochAggregate[] expected, EpochAggregate[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal((expected[i].Epoch, expected[i].ValidAcc, expected[i].TrainAcc), (actual[i].Epoch, actual[i].ValidAcc, actual[i].TrainAcc));
            Assert.Equal(expected[i].Metrics.OrderBy(kv => kv.Key), actual[i].Metrics.OrderBy(kv => kv.Key));
        }
    }
}
