namespace SingleDarts.Search.Tests;

/// <summary>
/// Float64 special functions written for the fidelity tests, independent of libtorch and of the
/// implementation under test (which uses a continued fraction; the Beta CDF here is the positive
/// hypergeometric series, its derivatives central differences).
/// </summary>
internal static class ReferenceMath
{
    /// <summary>ln Γ(z), z &gt; 0: shift to z ≥ 15, then Stirling's series.</summary>
    public static double LogGamma(double z)
    {
        var shift = 0.0;
        while (z < 15)
        {
            shift += Math.Log(z);
            z += 1;
        }
        var inv = 1 / z;
        var inv2 = inv * inv;
        var series = inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 / 1680)));
        return (z - 0.5) * Math.Log(z) - z + 0.5 * Math.Log(2 * Math.PI) + series - shift;
    }

    /// <summary>ψ(z) = d ln Γ/dz: shift to z ≥ 15, then the asymptotic series.</summary>
    public static double Digamma(double z)
    {
        var shift = 0.0;
        while (z < 15)
        {
            shift += 1 / z;
            z += 1;
        }
        var inv2 = 1 / (z * z);
        return Math.Log(z) - 0.5 / z - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 / 240))) - shift;
    }

    /// <summary>ψ′(z): shift to z ≥ 15, then the asymptotic series.</summary>
    public static double Trigamma(double z)
    {
        var shift = 0.0;
        while (z < 15)
        {
            shift += 1 / (z * z);
            z += 1;
        }
        var inv = 1 / z;
        var inv2 = inv * inv;
        return inv + inv2 / 2 + inv * inv2 * (1.0 / 6 - inv2 * (1.0 / 30 - inv2 * (1.0 / 42 - inv2 / 30))) + shift;
    }

    /// <summary>KL(Dir(a) ‖ Dir(b)) from the closed form.</summary>
    public static double DirichletKl(double[] a, double[] b)
    {
        double a0 = a.Sum(), b0 = b.Sum();
        var kl = LogGamma(a0) - LogGamma(b0);
        for (var i = 0; i < a.Length; i++)
            kl += LogGamma(b[i]) - LogGamma(a[i]) + (a[i] - b[i]) * (Digamma(a[i]) - Digamma(a0));
        return kl;
    }

    /// <summary>∂KL(Dir(a) ‖ Dir(b))/∂a_i = (a_i − b_i)ψ′(a_i) − (a₀ − b₀)ψ′(a₀).</summary>
    public static double[] DirichletKlGradient(double[] a, double[] b)
    {
        double a0 = a.Sum(), b0 = b.Sum();
        return [.. a.Select((ai, i) => (ai - b[i]) * Trigamma(ai) - (a0 - b0) * Trigamma(a0))];
    }

    /// <summary>
    /// I_x(a, b) by I_x = x^a (1−x)^b/(a·B(a,b)) · Σ_n (a+b)_n/(a+1)_n · x^n (all terms positive; the
    /// ratio of terms tends to x, so it converges on all of (0, 1)); the upper tail 1 − I_x(a, b) = I_{1−x}(b, a).
    /// </summary>
    private static double LowerTailSeries(double x, double a, double b)
    {
        double term = 1, sum = 1;
        for (var n = 0; n < 10_000_000; n++)
        {
            term *= (a + b + n) / (a + 1 + n) * x;
            sum += term;
            if (term < 1e-17 * sum) break;
        }
        var logPrefix = a * Math.Log(x) + b * Math.Log(1 - x) - Math.Log(a) - LogBeta(a, b);
        return Math.Exp(logPrefix) * sum;
    }

    public static double LogBeta(double a, double b) => LogGamma(a) + LogGamma(b) - LogGamma(a + b);

    /// <summary>Beta(a, b) density at x.</summary>
    public static double BetaPdf(double x, double a, double b) =>
        Math.Exp((a - 1) * Math.Log(x) + (b - 1) * Math.Log(1 - x) - LogBeta(a, b));

    /// <summary>
    /// ∂I_x(a, b)/∂a and ∂I_x(a, b)/∂b by central differences of the smaller tail (differences of a
    /// value near 1 would lose the digits that matter).
    /// </summary>
    public static (double DA, double DB) BetaCdfPartials(double x, double a, double b)
    {
        double ha = 1e-5 * Math.Min(1, a), hb = 1e-5 * Math.Min(1, b);
        if (LowerTailSeries(x, a, b) <= 0.5)
            return ((LowerTailSeries(x, a + ha, b) - LowerTailSeries(x, a - ha, b)) / (2 * ha),
                    (LowerTailSeries(x, a, b + hb) - LowerTailSeries(x, a, b - hb)) / (2 * hb));
        // I_x(a, b) = 1 − I_{1−x}(b, a)
        return (-(LowerTailSeries(1 - x, b, a + ha) - LowerTailSeries(1 - x, b, a - ha)) / (2 * ha),
                -(LowerTailSeries(1 - x, b + hb, a) - LowerTailSeries(1 - x, b - hb, a)) / (2 * hb));
    }

    /// <summary>The implicit derivatives (dx/da, dx/db) of a Beta(a, b) draw x at fixed CDF.</summary>
    public static (double DxDa, double DxDb) BetaImplicit(double x, double a, double b)
    {
        var (da, db) = BetaCdfPartials(x, a, b);
        var pdf = BetaPdf(x, a, b);
        return (-da / pdf, -db / pdf);
    }
}
