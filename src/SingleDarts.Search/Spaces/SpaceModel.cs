using SingleDarts.Search.Nn;
using SingleDarts.Search.Parts;
using SingleDarts.Search.Relaxations;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces;

/// <summary>
/// What every space's model shares: the network's weights and buffers, α = 1e-3·N(0,1) drawn after the network from
/// the same generator (rows × operations), β of edge normalisation drawn after α where the method has it, and how a
/// forward turns them into <see cref="ArchWeights"/>: the relaxation (drawn from the same generator when it samples),
/// an SDARTS-RS perturbation while one is on, the epoch's GDAS τ and DARTS- coefficient. A space adds the network and
/// how it runs under those weights.
/// </summary>
public abstract class SpaceModel<TNet> : ISpaceModel where TNet : nn.Module
{
    public const double AlphaInitScale = 1e-3;

    private readonly Parameter[] weights;
    private readonly string[] weightNames;
    private readonly (string, Tensor)[] buffers;
    private readonly Generator generator;
    private readonly EdgeNormalization? edgeNormalization;
    private readonly SupernetSettings settings;
    private AuxiliarySkipSchedule? auxSchedule;
    private double tau, auxCoefficient;
    private int expected;
    private Tensor? perturbation;

    /// <param name="net">the network, built from <paramref name="generator"/> before α is drawn from it.</param>
    /// <param name="generator">the seed's generator: α (and β) are drawn from it now, and a sampling relaxation's weights at every forward.</param>
    protected SpaceModel(TNet net, long alphaRows, long operations, SupernetSettings settings, EdgeNormalization? edgeNormalization, Generator generator, Device? device)
    {
        Net = net;
        this.settings = settings;
        this.generator = generator;
        this.edgeNormalization = settings.EdgeNormalization ? edgeNormalization : null;
        using (var a = randn(alphaRows, operations, generator: generator))
        using (var scale = AlphaInitScale.ToScalar())
            Alphas = Parameters.From(a.mul(scale));
        if (this.edgeNormalization is not null)
            using (var b = randn(alphaRows, generator: generator))
            using (var scale = EdgeNormalization.BetaInitScale.ToScalar())
                Betas = Parameters.From(b.mul(scale));
        if (device is not null && device.type != DeviceType.CPU)
        {
            Net.to(device);
            Alphas = Moved(Alphas, device);
            if (Betas is not null) Betas = Moved(Betas, device);
        }
        var named = Net.named_parameters().ToArray();
        weights = [.. named.Select(p => p.parameter)];
        weightNames = [.. named.Select(p => p.name)];
        buffers = Net.named_buffers().ToArray();
        ArchParameters = Betas is null ? [Alphas] : [Alphas, Betas];
        tau = settings.TauMax;
    }

    private static Parameter Moved(Parameter onCpu, Device device)
    {
        var moved = Parameters.From(onCpu.detach().to(device));
        onCpu.Dispose();
        return moved;
    }

    public TNet Net { get; }
    public Relaxation Relaxation => settings.Relaxation;
    public Parameter Alphas { get; }

    /// <summary>β of edge normalisation (one per α row), or null.</summary>
    public Parameter? Betas { get; }

    public IReadOnlyList<Parameter> ArchParameters { get; }
    public long WeightCount => weights.Sum(w => w.numel());
    public IReadOnlyList<Parameter> Weights => weights;
    public IReadOnlyList<string> WeightNames => weightNames;
    public IReadOnlyList<(string Name, Tensor Tensor)> Buffers => buffers;

    public bool Training
    {
        get => Net.training;
        set => Net.train(value);
    }

    /// <summary>The epoch's schedules: GDAS' τ, DARTS-'s auxiliary skip coefficient (0-based <paramref name="epoch"/> of <paramref name="epochs"/>).</summary>
    public void BeginEpoch(int epoch, int epochs)
    {
        tau = GumbelSoftmax.Tau(epoch, epochs, settings.TauMax, settings.TauMin);
        if (settings.AuxiliarySkip)
        {
            auxSchedule ??= AuxiliarySkipSchedule.Linear(epochs);
            auxCoefficient = auxSchedule.Coefficient(epoch);
        }
    }

    /// <summary>Logits for a batch of images under the current α.</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // in eval mode a sampling relaxation draws nothing: GDAS runs its argmax operations, DrNAS the Dirichlet's mean
        var (ops, sampled) = settings.Relaxation switch
        {
            var r when expected > 0 => (r.Apply(Alphas), (long[]?)null),
            Relaxation.Gumbel when !Training => ArgmaxOps(),
            Relaxation.Dirichlet when !Training => (settings.Relaxation.Apply(Alphas), null),
            Relaxation.Gumbel => Gumbel(),
            Relaxation.Dirichlet => (DirichletRelaxation.SampleFromAlphas(Alphas, generator), null),
            var r => (r.Apply(Alphas), (long[]?)null),
        };
        if (perturbation is not null) ops = AlphaPerturbation.PerturbRelaxed(ops, perturbation, settings.Relaxation);
        var edges = edgeNormalization is null ? null : EdgeWeights();
        return Forward(x, new ArchWeights(ops, sampled, edges, auxCoefficient)).MoveToOuterDisposeScope();
    }

    private (Tensor, long[]?) Gumbel()
    {
        var sample = GumbelSoftmax.Sample(Alphas, tau, generator);
        sample.Index.Dispose();
        sample.Probs.Dispose();
        return (sample.Hard, sample.Indices);
    }

    private (Tensor, long[]?) ArgmaxOps()
    {
        using var _ = no_grad();
        var index = Alphas.argmax(1);
        var hard = nn.functional.one_hot(index, Alphas.shape[1]).to(Alphas.dtype);
        return (hard, index.cpu().data<long>().ToArray());
    }

    /// <summary>softmax(β) over the edges into each node, one weight per α row.</summary>
    private Tensor EdgeWeights() => edgeNormalization!.Weights(Betas!);

    /// <summary>Logits under the forward's architecture weights.</summary>
    protected abstract Tensor Forward(Tensor x, ArchWeights weights);

    public IDisposable ExpectedWeights()
    {
        expected++;
        return new ExpectedScope(this);
    }

    private sealed class ExpectedScope(SpaceModel<TNet> model) : IDisposable
    {
        private bool done;

        public void Dispose()
        {
            if (done) return;
            done = true;
            model.expected--;
        }
    }

    public IDisposable Perturb(double epsilon)
    {
        if (epsilon <= 0) return NoPerturbation.Instance;
        using (no_grad()) perturbation = AlphaPerturbation.Draw(Alphas, epsilon, generator).DetachFromDisposeScope();
        return new PerturbationScope(this);
    }

    private sealed class PerturbationScope(SpaceModel<TNet> model) : IDisposable
    {
        public void Dispose()
        {
            model.perturbation?.Dispose();
            model.perturbation = null;
        }
    }

    private sealed class NoPerturbation : IDisposable
    {
        public static readonly NoPerturbation Instance = new();
        public void Dispose() { }
    }

    /// <summary>α as a rows × operations array.</summary>
    public float[,] AlphaValues() => ToMatrix(Alphas);

    /// <summary>The relaxation's deterministic weights per row (softmax, σ, the Dirichlet's mean), as an array.</summary>
    public float[,] RelaxedValues()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return ToMatrix(settings.Relaxation.Apply(Alphas));
    }

    /// <summary>The weights a genotype is derived from: the relaxed weights, each row times its edge weight where the method normalises edges.</summary>
    public float[,] DerivationValues()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var relaxed = settings.Relaxation.Apply(Alphas);
        return ToMatrix(edgeNormalization is null ? relaxed : EdgeNormalization.Scale(relaxed, EdgeWeights()));
    }

    private static float[,] ToMatrix(Tensor t)
    {
        using var scope = NewDisposeScope();
        var cpu = t.detach().cpu().contiguous();
        var flat = cpu.data<float>().ToArray();
        var m = new float[t.shape[0], t.shape[1]];
        Buffer.BlockCopy(flat, 0, m, 0, flat.Length * sizeof(float));
        return m;
    }

    public void Dispose()
    {
        perturbation?.Dispose();
        Alphas.Dispose();
        Betas?.Dispose();
        Net.Dispose();
        GC.SuppressFinalize(this);
    }
}
