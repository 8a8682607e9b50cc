using SingleDarts.Search.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces;

/// <summary>
/// What every space's model shares: the network's weights and buffers, α = 1e-3·N(0,1) drawn after
/// the network from the same generator (rows × operations), the relaxation, and α read back as arrays.
/// A space adds the network and how it is run under the relaxed weights.
/// </summary>
public abstract class SpaceModel<TNet> : ISpaceModel where TNet : nn.Module
{
    public const double AlphaInitScale = 1e-3;

    private readonly Parameter[] weights;
    private readonly string[] weightNames;
    private readonly (string, Tensor)[] buffers;

    /// <param name="net">the network, built from <paramref name="generator"/> before α is drawn from it.</param>
    protected SpaceModel(TNet net, long alphaRows, long operations, Relaxation relaxation, Generator generator, Device? device)
    {
        Net = net;
        Relaxation = relaxation;
        using (var a = randn(alphaRows, operations, generator: generator))
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

    public TNet Net { get; }
    public Relaxation Relaxation { get; }
    public Parameter Alphas { get; }
    public long WeightCount => weights.Sum(w => w.numel());
    public IReadOnlyList<Parameter> Weights => weights;
    public IReadOnlyList<string> WeightNames => weightNames;
    public IReadOnlyList<(string Name, Tensor Tensor)> Buffers => buffers;

    public bool Training
    {
        get => Net.training;
        set => Net.train(value);
    }

    /// <summary>Logits for a batch of images under the current α.</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Forward(x, Relaxation.Apply(Alphas)).MoveToOuterDisposeScope();
    }

    /// <summary>Logits under the relaxed weights (softmax or σ of α, same layout).</summary>
    protected abstract Tensor Forward(Tensor x, Tensor relaxed);

    /// <summary>α as a rows × operations array.</summary>
    public float[,] AlphaValues() => ToMatrix(Alphas);

    /// <summary>softmax(α) or σ(α) per row, as an array.</summary>
    public float[,] RelaxedValues()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return ToMatrix(Relaxation.Apply(Alphas));
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
        Alphas.Dispose();
        Net.Dispose();
        GC.SuppressFinalize(this);
    }
}
