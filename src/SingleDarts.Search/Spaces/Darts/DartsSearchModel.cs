using SingleDarts.Search.Nn;
using SingleDarts.Search.Spaces.Nb201;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Darts;

/// <summary>
/// The DARTS search network with its architecture parameters: one α of 28 × 8, the normal cells'
/// 14 edges (rows 0–13) then the reduction cells' (rows 14–27) — α_normal and α_reduce of the DARTS
/// code as one parameter, so every strategy and optimiser treats it as NB201's α.
/// </summary>
public sealed class DartsSearchModel : ISpaceModel
{
    public const double AlphaInitScale = 1e-3;

    private readonly Parameter[] weights;
    private readonly string[] weightNames;
    private readonly (string, Tensor)[] buffers;

    /// <summary>Builds the network, then α = 1e-3·N(0,1) (normal rows, then reduce rows), both from <paramref name="generator"/>, in that order.</summary>
    public DartsSearchModel(int channels, int layers, int numClasses, Relaxation relaxation, Generator generator, Device? device = null)
    {
        Relaxation = relaxation;
        Net = new DartsNetwork(channels, layers, numClasses, generator);
        using (var a = randn(2 * DartsEdge.Count, DartsPrimitives.Count, generator: generator))
        using (var scale = AlphaInitScale.ToScalar())
            Alphas = Parameters.From(a.mul(scale));
        if (device is not null && device.type != DeviceType.CPU)
        {
            Net.to(device);
            var onCpu = Alphas;
            Alphas = Parameters.From(onCpu.detach().to(device));
            onCpu.Dispose();
        }
        var named = Net.named_parameters().ToArray();
        weights = [.. named.Select(p => p.parameter)];
        weightNames = [.. named.Select(p => p.name)];
        buffers = Net.named_buffers().ToArray();
    }

    public DartsNetwork Net { get; }
    public Relaxation Relaxation { get; }
    public Parameter Alphas { get; }
    public long WeightCount => Net.WeightCount;
    public IReadOnlyList<Parameter> Weights => weights;
    public IReadOnlyList<string> WeightNames => weightNames;
    public IReadOnlyList<(string Name, Tensor Tensor)> Buffers => buffers;

    public bool Training
    {
        get => Net.training;
        set => Net.train(value);
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var relaxed = Relaxation.Apply(Alphas);
        var normal = relaxed.narrow(0, 0, DartsEdge.Count);
        var reduce = relaxed.narrow(0, DartsEdge.Count, DartsEdge.Count);
        return Net.forward(x, normal, reduce).MoveToOuterDisposeScope();
    }

    /// <summary>α as a 28×8 array.</summary>
    public float[,] AlphaValues() => ToMatrix(Alphas);

    /// <summary>softmax(α) or σ(α) per edge as a 28×8 array.</summary>
    public float[,] RelaxedValues()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return ToMatrix(Relaxation.Apply(Alphas));
    }

    /// <summary>The DARTS derivation from the relaxed weights (not from α: edges are compared by their operations' weights).</summary>
    public DartsGenotype Genotype() => DartsGenotype.FromWeights(RelaxedValues());

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
        Alphas.Dispose();
        Net.Dispose();
    }
}
