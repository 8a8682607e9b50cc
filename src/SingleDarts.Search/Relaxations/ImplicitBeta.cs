namespace SingleDarts.Search.Relaxations;

/// <summary>
/// The implicit reparameterisation gradient of a Beta draw, in float64 on the host, for
/// <see cref="DirichletRelaxation"/>. For x ~ Beta(a, b) with CDF F = I_x(a, b) held fixed,
/// dx/da = −(∂F/∂a)/f(x) (Figurnov et al. 2018; Jankowiak &amp; Obermeyer 2018, whose Dirichlet form
/// PyTorch's <c>Dirichlet.rsample</c> uses, and with it DrNAS).
/// <para>
/// I_x(a, b) = x^a (1−x)^b / (a·B(a, b)) · CF(x; a, b), with the continued fraction of DLMF 8.17.22,
/// so the ratio of ∂I/∂a to the density needs neither B(a, b) nor a quadrature:
/// below the mean-ish point x &lt; (a+1)/(a+b+2), where CF converges fast,
/// dx/da = −x(1−x)/a · [CF·(ln x − ψ(a+1) + ψ(a+b)) + ∂CF/∂a]   (−1/a − ψ(a) = −ψ(a+1));
/// above it, through 1 − I_x(a, b) = I_{1−x}(b, a) = x^a (1−x)^b / (b·B) · CF(1−x; b, a),
/// dx/da = x(1−x)/b · [CF′·(ln x − ψ(a) + ψ(a+b)) + ∂CF′/∂a].
/// ∂CF/∂a is exact: the fraction is evaluated once in forward-mode dual numbers.
/// </para>
/// </summary>
internal static class ImplicitBeta
{
    private const double Tiny = 1e-300, Eps = 1e-15;
    private const int MaxTerms = 100_000;

    /// <summary>
    /// g = (dx/da)/(1 − x) for x ~ Beta(a, total − a): the factor of the Dirichlet pathwise
    /// gradient ∂x_j/∂β_i = g_i·(δ_ij − x_j), with x = x_i, a = β_i, total = Σβ.
    /// </summary>
    public static double DirichletFactor(double x, double a, double total)
    {
        var b = total - a;
        if (!(a > 0) || !(b > 0) || !double.IsFinite(total))
            throw new ArgumentOutOfRangeException(nameof(a), $"Beta({a}, {b}) needs positive finite parameters");
        if (!(x > 0 && x < 1))
            throw new ArgumentOutOfRangeException(nameof(x), x, "a Beta draw lies in (0, 1)");
        var lnx = Math.Log(x);
        if (x < (a + 1) / (a + b + 2))
        {
            var cf = ContinuedFraction(x, new Dual(a, 1), new Dual(b, 0));
            return -x / a * (cf.V * (lnx - Digamma(a + 1) + Digamma(a + b)) + cf.D);
        }
        var upper = ContinuedFraction(1 - x, new Dual(b, 0), new Dual(a, 1));
        return x / b * (upper.V * (lnx - Digamma(a) + Digamma(a + b)) + upper.D);
    }

    /// <summary>dx/da for x ~ Beta(a, b): the marginal form, (1 − x)·<see cref="DirichletFactor"/>.</summary>
    public static double DxDa(double x, double a, double b) => (1 - x) * DirichletFactor(x, a, a + b);

    /// <summary>
    /// CF(y; p, q) = 1/(1 + d₁/(1 + d₂/(1 + …))) with d_{2m+1} = −(p+m)(p+q+m)y/((p+2m)(p+2m+1)) and
    /// d_{2m} = m(q−m)y/((p+2m−1)(p+2m)), by the modified Lentz method; the dual parts carry ∂/∂p or ∂/∂q.
    /// </summary>
    private static Dual ContinuedFraction(double y, Dual p, Dual q)
    {
        var f = new Dual(1, 0);
        var c = f;
        var d = new Dual(0, 0);
        for (var n = 1; n <= MaxTerms; n++)
        {
            var m = n / 2;
            var term = n % 2 == 1
                ? -(p + m) * (p + q + m) * y / ((p + 2 * m) * (p + 2 * m + 1))
                : m * (q - m) * y / ((p + 2 * m - 1) * (p + 2 * m));
            d = 1 + term * d; // d holds 1/D of the previous step
            if (Math.Abs(d.V) < Tiny) d = new Dual(Tiny, 0);
            d = 1 / d;
            c = 1 + term / c;
            if (Math.Abs(c.V) < Tiny) c = new Dual(Tiny, 0);
            var delta = c * d;
            f *= delta;
            if (Math.Abs(delta.V - 1) < Eps && Math.Abs(delta.D) < Eps * (1 + Math.Abs(f.D / f.V)))
                return 1 / f;
        }
        throw new ArithmeticException($"Beta continued fraction did not converge (y = {y}, p = {p.V}, q = {q.V})");
    }

    /// <summary>ψ(x) for x &gt; 0: the recurrence ψ(x) = ψ(x+1) − 1/x up to 10, then the asymptotic series.</summary>
    public static double Digamma(double x)
    {
        var result = 0.0;
        while (x < 10)
        {
            result -= 1 / x;
            x += 1;
        }
        var inv2 = 1 / (x * x);
        // ln x − 1/(2x) − Σ B_2k/(2k·x^2k), B_2k = 1/6, −1/30, 1/42, −1/30, 5/66, −691/2730
        var series = inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132 - inv2 * 691.0 / 32760)))));
        return result + Math.Log(x) - 0.5 / x - series;
    }

    /// <summary>A value and one derivative (forward-mode automatic differentiation).</summary>
    private readonly record struct Dual(double V, double D)
    {
        public static Dual operator +(Dual a, Dual b) => new(a.V + b.V, a.D + b.D);
        public static Dual operator +(Dual a, double b) => new(a.V + b, a.D);
        public static Dual operator +(double a, Dual b) => new(a + b.V, b.D);
        public static Dual operator -(Dual a, double b) => new(a.V - b, a.D);
        public static Dual operator -(Dual a) => new(-a.V, -a.D);
        public static Dual operator *(Dual a, Dual b) => new(a.V * b.V, a.D * b.V + a.V * b.D);
        public static Dual operator *(Dual a, double b) => new(a.V * b, a.D * b);
        public static Dual operator *(double a, Dual b) => new(a * b.V, a * b.D);
        public static Dual operator /(Dual a, Dual b) => new(a.V / b.V, (a.D * b.V - a.V * b.D) / (b.V * b.V));
        public static Dual operator /(double a, Dual b) => new(a / b.V, -a * b.D / (b.V * b.V));
    }
}
