using SingleDarts.Search.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>The NAS-Bench-201 supernet with its architecture parameters α ∈ R^{6×5} and their relaxation.</summary>
public sealed class Nb201SearchModel : ISpaceModel
{
    public const double AlphaInitScale = 1e-3;

    private readonly Parameter[] weights;
    private readonly string[] weightNames;
    private readonly (string, Tensor)[] buffers;

    /// <summary>Builds the supernet, then α = 1e-3·N(0,1), both from <paramref name="generator"/>, in that order.</summary>
    public Nb201SearchModel(int channels, int cellsPerStage, int numClasses, Relaxation relaxation, Generator generator, Device? device = null)
    {
        Relaxation = relaxation;
        Net = new Supernet(channels, cellsPerStage, numClasses, generator);
        using (var a = randn(Edge.Count, Primitives.Count, generator: generator))
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

    public Supernet Net { get; }
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
        using var opWeights = Relaxation.Apply(Alphas);
        return Net.forward(x, opWeights);
    }

    /// <summary>α as a 6×5 array.</summary>
    public float[,] AlphaValues() => ToMatrix(Alphas);

    /// <summary>softmax(α) or σ(α) as a 6×5 array.</summary>
    public float[,] RelaxedValues()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return ToMatrix(Relaxation.Apply(Alphas));
    }

    public Genotype Genotype() => Nb201.Genotype.FromAlphas(AlphaValues());

    private static float[,] ToMatrix(Tensor t)
    {
        using var scope = NewDisposeScope();
        var cpu = t.detach().cpu().contiguous();
        var flat = cpu.data<float>().ToArray();
        var m = new float[Edge.Count, Primitives.Count];
        Buffer.BlockCopy(flat, 0, m, 0, flat.Length * sizeof(float));
        return m;
    }

    public void Dispose()
    {
        Alphas.Dispose();
        Net.Dispose();
    }
}
