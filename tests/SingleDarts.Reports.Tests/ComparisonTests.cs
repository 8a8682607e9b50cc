using SingleDarts.Reports;

namespace SingleDarts.Reports.Tests;

/// <summary>The comparison statistics against textbook examples and values computed by hand.</summary>
[Trait("Category", "unit")]
public sealed class ComparisonTests
{
    // Welch's t-test, Wikipedia's first example (two samples of 15): t = −2.46, ν ≈ 25.0, p = 0.021
    private static readonly double[] A1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    private static readonly double[] A2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];

    [Fact]
    public void Welch_matches_the_textbook_example()
    {
        var test = Comparison.Welch(A1, A2)!;
        Assert.Equal(-2.46, test.T, 2);
        Assert.Equal(25.0, test.DegreesOfFreedom, 0);
        Assert.Equal(0.021, test.P, 3);
        Assert.Null(Comparison.Welch([1.0], [1.0, 2.0]));          // one value: no variance to test with
        Assert.Null(Comparison.Welch([1.0, 1.0], [2.0, 2.0]));     // no variance at all
    }

    [Fact]
    public void Cliffs_delta_counts_pairs()
    {
        // pairs of {1,2,3} x {2,3,4}: one a > b, six a < b, two ties: (1 − 6) / 9
        Assert.Equal(-5.0 / 9, Comparison.CliffsDelta([1, 2, 3], [2, 3, 4]), 12);
        Assert.Equal(1.0, Comparison.CliffsDelta([5, 6], [1, 2, 3]));
        Assert.Equal(0.0, Comparison.CliffsDelta([1, 2], [1, 2]));
        Assert.Equal(("negligible", "small", "medium", "large"),
            (Comparison.Magnitude(0.1), Comparison.Magnitude(-0.2), Comparison.Magnitude(0.4), Comparison.Magnitude(-0.9)));
    }

    [Fact]
    public void Wilson_matches_the_score_interval_by_hand()
    {
        // 8 of 10: p = 0.8, (0.8 + z²/20) / (1 + z²/10) ∓ z·sqrt(0.016 + z²/400) / (1 + z²/10) = (0.4902, 0.9433)
        var w = Comparison.Wilson(8, 10)!;
        Assert.Equal((0.8, 0.4902, 0.9433), (w.Estimate, Math.Round(w.Low, 4), Math.Round(w.High, 4)));
        var none = Comparison.Wilson(0, 5)!;
        Assert.Equal((0.0, 0.0), (none.Estimate, none.Low));
        Assert.Equal(0.4345, Math.Round(none.High, 4));              // z² / (n + z²)
        Assert.Null(Comparison.Wilson(0, 0));
    }

    [Fact]
    public void The_bootstrap_interval_is_seeded_and_agrees_with_normal_theory_on_large_samples()
    {
        var a = Enumerable.Range(0, 400).Select(i => Math.Sin(i * 12.9898) * 2 + 1).ToArray();    // deterministic, spread
        var b = Enumerable.Range(0, 400).Select(i => Math.Cos(i * 78.233) * 3).ToArray();
        var first = Comparison.BootstrapMeanDifference(a, b, seed: 7);
        Assert.Equal(first, Comparison.BootstrapMeanDifference(a, b, seed: 7));
        Assert.NotEqual(first.Low, Comparison.BootstrapMeanDifference(a, b, seed: 8).Low);
        // normal theory: diff ± 1.96·sqrt(s²a/na + s²b/nb)
        var se = Math.Sqrt(Variance(a) / a.Length + Variance(b) / b.Length);
        Assert.Equal(a.Average() - b.Average(), first.Estimate, 12);
        Assert.Equal(first.Estimate - 1.96 * se, first.Low, 1);
        Assert.Equal(first.Estimate + 1.96 * se, first.High, 1);
        // no spread: the interval is the difference itself
        Assert.Equal(new Interval(1, 1, 1), Comparison.BootstrapMeanDifference([2.0, 2.0, 2.0], [1.0, 1.0]));
    }

    private static double Variance(double[] v)
    {
        var mean = v.Average();
        return v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1);
    }
}
