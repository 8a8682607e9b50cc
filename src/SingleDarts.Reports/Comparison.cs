using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace SingleDarts.Reports;

/// <summary>A 95 % interval around an estimate.</summary>
public sealed record Interval(double Estimate, double Low, double High);

/// <summary>Welch's unequal-variance t-test: the statistic, its Welch–Satterthwaite degrees of freedom and the two-sided p-value.</summary>
public sealed record WelchTest(double T, double DegreesOfFreedom, double P);

/// <summary>
/// The statistics of a comparison between two methods' seeds: difference of means with a seeded
/// percentile-bootstrap interval, Welch's t-test, Cliff's δ, and Wilson intervals for rates.
/// Distributions and descriptive statistics come from MathNet.Numerics.
/// </summary>
public static class Comparison
{
    public const int DefaultResamples = 10_000;
    private const double Z95 = 1.959963984540054;

    /// <summary>
    /// mean(a) − mean(b) and its 95 % percentile-bootstrap interval: each of <paramref name="resamples"/>
    /// rounds draws a and b again with replacement (each group on its own) from a generator seeded with
    /// <paramref name="seed"/>, so the interval is reproducible.
    /// </summary>
    public static Interval BootstrapMeanDifference(IReadOnlyList<double> a, IReadOnlyList<double> b, int resamples = DefaultResamples, int seed = 0)
    {
        if (a.Count == 0 || b.Count == 0) throw new ArgumentException("both groups need at least one value");
        if (resamples < 1) throw new ArgumentOutOfRangeException(nameof(resamples));
        var random = new MathNet.Numerics.Random.Xorshift(seed, threadSafe: false);
        var differences = new double[resamples];
        for (var r = 0; r < resamples; r++)
            differences[r] = ResampledMean(a, random) - ResampledMean(b, random);
        Array.Sort(differences);
        return new Interval(a.Mean() - b.Mean(),
            SortedArrayStatistics.Quantile(differences, 0.025), SortedArrayStatistics.Quantile(differences, 0.975));
    }

    private static double ResampledMean(IReadOnlyList<double> values, Random random)
    {
        double sum = 0;
        for (var i = 0; i < values.Count; i++) sum += values[random.Next(values.Count)];
        return sum / values.Count;
    }

    /// <summary>Welch's t-test of mean(a) = mean(b); needs at least two values per group and some variance.</summary>
    public static WelchTest? Welch(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count < 2 || b.Count < 2) return null;
        double va = a.Variance() / a.Count, vb = b.Variance() / b.Count;
        if (va + vb <= 0) return null;
        var t = (a.Mean() - b.Mean()) / Math.Sqrt(va + vb);
        var df = (va + vb) * (va + vb) / (va * va / (a.Count - 1) + vb * vb / (b.Count - 1));
        var p = 2 * (1 - StudentT.CDF(0, 1, df, Math.Abs(t)));
        return new WelchTest(t, df, p);
    }

    /// <summary>Cliff's δ = P(a &gt; b) − P(a &lt; b) over all pairs: a rank-based effect size in [−1, 1].</summary>
    public static double CliffsDelta(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count == 0 || b.Count == 0) throw new ArgumentException("both groups need at least one value");
        long greater = 0, less = 0;
        foreach (var x in a)
            foreach (var y in b)
            {
                if (x > y) greater++;
                else if (x < y) less++;
            }
        return (double)(greater - less) / ((long)a.Count * b.Count);
    }

    /// <summary>Romano et al.'s thresholds for |δ|: negligible &lt; 0.147 ≤ small &lt; 0.33 ≤ medium &lt; 0.474 ≤ large.</summary>
    public static string Magnitude(double delta) => Math.Abs(delta) switch
    {
        < 0.147 => "negligible",
        < 0.33 => "small",
        < 0.474 => "medium",
        _ => "large",
    };

    /// <summary>The rate k/n with its 95 % Wilson score interval (null for n = 0).</summary>
    public static Interval? Wilson(int k, int n)
    {
        if (n <= 0) return null;
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"{k} successes of {n}");
        double p = (double)k / n, z2 = Z95 * Z95;
        var denominator = 1 + z2 / n;
        var centre = (p + z2 / (2 * n)) / denominator;
        var half = Z95 * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        return new Interval(p, Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
