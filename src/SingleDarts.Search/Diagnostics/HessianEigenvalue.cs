using SingleDarts.Search.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Diagnostics;

/// <summary>
/// The dominant eigenvalue λ_max of the Hessian ∇²_α L of a loss with respect to the architecture
/// parameters α, by power iteration on Hessian-vector products: Hv = ∇_α (∇_α L · v), two reverse
/// passes, the first one building its own graph (double backward). The Hessian is never formed: α has
/// 30 (NB201) or 224 (DARTS) entries, but each of its rows costs one double backward, and power iteration
/// needs only as many products as it takes to converge.
/// <para>
/// Why: Zela et al. (ICLR 2020, "Understanding and Robustifying DARTS") show that the curvature of the
/// validation loss landscape in α predicts the generalisation gap of DARTS after discretisation — a
/// sharp minimum in α means that replacing softmax(α) by its argmax moves the loss far — and that
/// λ_max grows as a search collapses to parameter-free cells. So the loss here is the held-out
/// (validation) loss: curvature of the training loss would measure how well w fits α, not how robust
/// the architecture's optimum is.
/// </para>
/// <para>
/// What the references do. automl/RobustDARTS, src/search/train_search.py and src/search/analyze.py
/// (Analyzer.compute_Hw / _hessian): at the end of every <c>report_freq_hessian</c>-th epoch (2 in their
/// job scripts), on the last validation minibatch (64 images) with the model still in train mode (BatchNorm
/// on batch statistics), they form the exact Hessian of the validation loss w.r.t. α_normal and α_reduce
/// row by row with double backward, add the α weight decay (gradient + wd·α, i.e. H + wd·I) and take the
/// largest eigenvalue, max(numpy.linalg.eigvals(H)), i.e. the largest algebraic one.
/// noahgolmant/pytorch-hessian-eigenthings, hessian_eigenthings/power_iter.py and hvp_operator.py (the
/// version of that time) and algorithms/power_iteration.py with operators/hessian.py (today): power
/// iteration from a random vector (normalised N(0,1) from a seeded generator today), 20 steps then 100 at
/// most, stop when the Rayleigh quotient changes by less than 1e-4 relatively (today also the relative
/// residual), top-k by deflation (A − λvvᵀ), the product averaged over batches, one batch's graph at a time.
/// </para>
/// <para>
/// Here: the eigenvalue of largest magnitude (sign kept); <see cref="HessianTarget.LargestAlgebraic"/>
/// gives RobustDARTS' max eigenvalue when the dominant one is negative, by a second run on H − λ_dom·I.
/// The product is averaged over the given losses one at a time (each builds, uses and frees its own graph),
/// or with <see cref="HessianOptions.RetainGraphs"/> every loss's first gradient is built once and kept.
/// The iteration's vector lives in float64.
/// </para>
/// </summary>
public static class HessianEigenvalue
{
    /// <summary>λ_max of the Hessian of the mean of <paramref name="losses"/> with respect to <paramref name="alphas"/>.</summary>
    /// <param name="losses">each call computes one scalar loss (with its graph) for the current α, the same every call
    ///   (a fixed batch, no random augmentation or dropout); the Hessian is that of their mean.</param>
    /// <param name="alphas">the leaf α (requires_grad); never modified, its <c>grad</c> is not touched.</param>
    /// <param name="generator">draws the starting vector (CPU generator; the same state gives the same estimate).</param>
    /// <param name="start">a starting vector instead of a random one, e.g. the previous estimate's <see cref="HessianEstimate.Eigenvector"/>:
    ///   the sharpest direction moves little between two estimates of a search, and a warm start needs fewer products.</param>
    public static HessianEstimate Dominant(IReadOnlyList<Func<Tensor>> losses, Tensor alphas, HessianOptions options, Generator generator, IReadOnlyList<double>? start = null)
    {
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentNullException.ThrowIfNull(alphas);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generator);
        options.Validate();
        if (losses.Count == 0) throw new ArgumentException("at least one loss is needed", nameof(losses));
        if (!alphas.requires_grad) throw new ArgumentException("α must require its gradient", nameof(alphas));
        if (start is not null && (start.Count != alphas.numel() || !start.Any(x => x != 0) || !start.All(double.IsFinite)))
            throw new ArgumentException($"a starting vector needs {alphas.numel()} finite entries, not all 0", nameof(start));

        using var product = options.RetainGraphs ? (IHessianProduct)new RetainedProduct(losses, alphas) : new RecomputedProduct(losses, alphas);
        var first = PowerIterate(product, alphas, options.WeightDecay, options, generator, start);
        if (options.Target == HessianTarget.LargestMagnitude || first.Eigenvalue >= 0) return first;

        // The dominant eigenvalue is negative: H − λ_dom·I has eigenvalues λ_i − λ_dom ≥ 0, its dominant one is λ_max − λ_dom.
        var shifted = PowerIterate(product, alphas, options.WeightDecay - first.Eigenvalue, options, generator, start: null);
        return shifted with
        {
            Eigenvalue = shifted.Eigenvalue + first.Eigenvalue,
            Iterations = first.Iterations + shifted.Iterations,
            Products = first.Products + shifted.Products,
            Converged = first.Converged && shifted.Converged,
            RelativeResidual = shifted.RelativeResidual * Math.Abs(shifted.Eigenvalue) / Math.Max(Math.Abs(shifted.Eigenvalue + first.Eigenvalue), Tiny),
        };
    }

    /// <summary>λ_max of the Hessian of one loss (see the overload over several).</summary>
    public static HessianEstimate Dominant(Func<Tensor> loss, Tensor alphas, HessianOptions options, Generator generator, IReadOnlyList<double>? start = null) =>
        Dominant([loss], alphas, options, generator, start);

    /// <summary>
    /// H·v for the mean of <paramref name="losses"/>, flat, float64, detached: one double backward per loss.
    /// <paramref name="vector"/> has α's number of elements (any shape, any floating dtype).
    /// </summary>
    public static Tensor HessianVectorProduct(IReadOnlyList<Func<Tensor>> losses, Tensor alphas, Tensor vector)
    {
        using var product = new RecomputedProduct(losses, alphas);
        using var scope = NewDisposeScope();
        return product.Apply(vector.detach().to(float64).flatten()).MoveToOuterDisposeScope();
    }

    private const double Tiny = 1e-30;

    private static HessianEstimate PowerIterate(IHessianProduct product, Tensor alphas, double shift, HessianOptions options, Generator generator, IReadOnlyList<double>? start)
    {
        using var outer = NewDisposeScope();
        using var shiftScalar = shift.ToScalar();
        var first = start is null ? randn([alphas.numel()], float64, generator: generator) : tensor(start.ToArray(), float64);
        first = first.to(alphas.device);
        var v = first.div(first.norm());
        double lambda = 0, previous = double.NaN, residual = double.NaN;
        var converged = false;
        var iterations = 0;
        while (iterations < options.MaxIterations)
        {
            iterations++;
            using var step = NewDisposeScope();
            var w = product.Apply(v);
            if (shift != 0) w.add_(v, shiftScalar);
            lambda = w.dot(v).item<double>();
            using (var lambdaScalar = lambda.ToScalar())
                residual = w.sub(v.mul(lambdaScalar)).norm().item<double>() / Math.Max(Math.Abs(lambda), Tiny);
            var norm = w.norm().item<double>();
            if (!double.IsFinite(lambda) || !double.IsFinite(norm))
                throw new InvalidOperationException($"the Hessian-vector product is not finite at iteration {iterations} (λ = {lambda}, ‖Hv‖ = {norm})");
            if (norm == 0)
            {
                converged = true; // Hv = 0: the start vector saw only H's null space, λ = 0 is all power iteration can say
                break;
            }
            if (iterations > 1 && Math.Abs(lambda - previous) <= options.Tolerance * Math.Abs(lambda))
            {
                converged = true;
                break;
            }
            previous = lambda;
            var next = w.div(w.norm()).MoveToOuterDisposeScope();
            v.Dispose();
            v = next;
        }
        var vector = v.cpu().data<double>().ToArray();
        return new HessianEstimate(lambda, iterations, converged, residual, iterations * product.LossCount, vector);
    }

    /// <summary>v ↦ H·v (flat float64 in, flat float64 out, in the caller's dispose scope).</summary>
    private interface IHessianProduct : IDisposable
    {
        int LossCount { get; }

        Tensor Apply(Tensor v);
    }

    /// <summary>Each product runs every loss's forward, first and second backward, one loss at a time: the memory of one graph.</summary>
    private sealed class RecomputedProduct(IReadOnlyList<Func<Tensor>> losses, Tensor alphas) : IHessianProduct
    {
        public int LossCount => losses.Count;

        public Tensor Apply(Tensor v)
        {
            using var scope = NewDisposeScope();
            var direction = v.to(alphas.dtype, alphas.device).view(alphas.shape);
            Tensor? sum = null;
            foreach (var loss in losses)
            {
                using var inner = NewDisposeScope();
                var l = loss();
                CheckScalar(l);
                // retain_graph: the second pass runs through the forward graph again (e.g. softmax's backward depends on α)
                var g = autograd.grad([l], [alphas], retain_graph: true, create_graph: true)[0];
                var hv = SecondPass(g, alphas, direction, retain: false).MoveToOuterDisposeScope();
                if (sum is null) sum = hv;
                else sum.add_(hv, Scalars.One);
            }
            return Mean(sum!, losses.Count).MoveToOuterDisposeScope();
        }

        public void Dispose()
        {
        }
    }

    /// <summary>
    /// Every loss's first gradient ∇_α L (with its graph) built once and kept: each product is then one
    /// second backward per loss. Saves a forward and a first backward per product, holds every loss's graph.
    /// </summary>
    private sealed class RetainedProduct : IHessianProduct
    {
        private readonly Tensor alphas;
        private readonly Tensor[] gradients;

        public RetainedProduct(IReadOnlyList<Func<Tensor>> losses, Tensor alphas)
        {
            this.alphas = alphas;
            gradients = new Tensor[losses.Count];
            try
            {
                for (var i = 0; i < losses.Count; i++)
                {
                    using var scope = NewDisposeScope();
                    var l = losses[i]();
                    CheckScalar(l);
                    // the graph lives as long as the gradient: autograd holds what it needs, the handles can go
                    gradients[i] = autograd.grad([l], [alphas], retain_graph: true, create_graph: true)[0].DetachFromDisposeScope();
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public int LossCount => gradients.Length;

        public Tensor Apply(Tensor v)
        {
            using var scope = NewDisposeScope();
            var direction = v.to(alphas.dtype, alphas.device).view(alphas.shape);
            Tensor? sum = null;
            foreach (var g in gradients)
            {
                var hv = SecondPass(g, alphas, direction, retain: true);
                if (sum is null) sum = hv;
                else sum.add_(hv, Scalars.One);
            }
            return Mean(sum!, gradients.Length).MoveToOuterDisposeScope();
        }

        public void Dispose()
        {
            foreach (var g in gradients) g?.Dispose();
        }
    }

    /// <summary>∇_α (g · direction), flat float64; zero where g does not depend on α (a loss linear in α).</summary>
    private static Tensor SecondPass(Tensor g, Tensor alphas, Tensor direction, bool retain)
    {
        if (!g.requires_grad) return zeros([alphas.numel()], float64, alphas.device);
        var hv = autograd.grad([g], [alphas], [direction], retain_graph: retain, allow_unused: true)[0];
        if (hv.IsInvalid) return zeros([alphas.numel()], float64, alphas.device);
        return hv.detach().to(float64).flatten();
    }

    private static Tensor Mean(Tensor sum, int count)
    {
        if (count == 1) return sum;
        using var inverse = (1.0 / count).ToScalar();
        return sum.mul_(inverse);
    }

    private static void CheckScalar(Tensor loss)
    {
        if (loss.numel() != 1) throw new ArgumentException($"a loss must be a scalar, not a tensor of shape [{string.Join(", ", loss.shape)}]");
    }
}

/// <summary>Which eigenvalue of the Hessian to report.</summary>
public enum HessianTarget
{
    /// <summary>The eigenvalue of largest magnitude, with its sign (what power iteration finds).</summary>
    LargestMagnitude,

    /// <summary>The largest eigenvalue (RobustDARTS' max(eigvals(H))); differs only when the dominant one is negative, and then costs a second run.</summary>
    LargestAlgebraic,
}

/// <summary>Settings of <see cref="HessianEigenvalue"/>.</summary>
public sealed record HessianOptions
{
    /// <summary>Hessian-vector products at most (per run; each is one double backward per loss).</summary>
    public int MaxIterations { get; init; } = 20;

    /// <summary>Stop when the Rayleigh quotient changes by at most this, relative to its value (hessian-eigenthings: 1e-4).</summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>
    /// The L2 coefficient on α added to the loss, as RobustDARTS does (∇ + wd·α, so H + wd·I): the α weight
    /// decay of the search (1e-3 in the protocols) to compare with their numbers, 0 for the loss's own curvature.
    /// </summary>
    public double WeightDecay { get; init; }

    public HessianTarget Target { get; init; } = HessianTarget.LargestMagnitude;

    /// <summary>
    /// Keep every loss's first-gradient graph across the iterations: each product is then only a second backward
    /// (measured at CPU scale: ~2.2 instead of ~3.2 search steps per product and batch), but every loss's graph is
    /// held at once. With one loss it holds no more than recomputing does.
    /// </summary>
    public bool RetainGraphs { get; init; }

    /// <exception cref="ArgumentOutOfRangeException">a setting out of range (the message names it).</exception>
    public void Validate()
    {
        if (MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "at least one iteration");
        if (!(Tolerance >= 0) || double.IsPositiveInfinity(Tolerance)) throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "a finite tolerance ≥ 0");
        if (!double.IsFinite(WeightDecay) || WeightDecay < 0) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "a finite weight decay ≥ 0");
        if (!Enum.IsDefined(Target)) throw new ArgumentOutOfRangeException(nameof(Target), Target, "unknown target");
    }
}

/// <summary>
/// One λ_max estimate: the eigenvalue, the power iterations it took (summed over both runs for
/// <see cref="HessianTarget.LargestAlgebraic"/>), whether the Rayleigh quotient settled within the
/// tolerance, ‖Hv − λv‖/|λ| at the last iterate (0 for an exact eigenvector), the double backwards it
/// cost (iterations × losses) and the unit eigenvector estimate, flat in α's layout.
/// </summary>
public sealed record HessianEstimate(double Eigenvalue, int Iterations, bool Converged, double RelativeResidual, int Products, double[] Eigenvector);
