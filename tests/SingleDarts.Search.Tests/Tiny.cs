using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Strategies;
using SingleDarts.Tests;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>Tiny settings that keep the tests fast. One thread everywhere: libtorch's thread count is process-wide.</summary>
internal static class Tiny
{
    public const int Threads = TinySearch.Threads;

    public static SearchOptions Options(string method = "single", long seed = 0, int epochs = 2) => TinySearch.Options(method, seed, epochs);

    public static Nb201SearchModel Model(long seed = 0, Relaxation relax = Relaxation.Softmax, int channels = 2, int classes = 4)
    {
        TorchRuntime.Configure(Threads);
        using var g = new Generator((ulong)seed, CPU);
        return new Nb201SearchModel(new SupernetSettings { Channels = channels, Cells = 1, Classes = classes, Relaxation = relax }, g);
    }

    /// <summary>The three methods the study compares (the levels' presets).</summary>
    public static readonly string[] Levels = ["single", "darts-v1", "darts-v2"];

    /// <summary>The strategy of a preset.</summary>
    public static ISearchStrategy Strategy(string method) => MethodPresets.Get(method).Composition.Strategy();

    public static SupernetSettings Settings(int channels, int cells, int classes = 10, Relaxation relax = Relaxation.Softmax) =>
        new() { Channels = channels, Cells = cells, Classes = classes, Relaxation = relax };

    public static Batch RandomBatch(long seed, int count = 8, int size = 8, int classes = 4)
    {
        using var g = new Generator((ulong)seed, CPU);
        return new Batch(randn([count, 3, size, size], generator: g), randint(0, classes, [count], generator: g));
    }

    public static string TempDir() => TinySearch.TempDir();

    public static float[] Values(Tensor t)
    {
        using var c = t.detach().cpu().contiguous();
        return c.data<float>().ToArray();
    }
}

/// <summary>Hands out copies of fixed batches and counts how many were taken.</summary>
internal sealed class CountingSource(params Batch[] batches) : IBatchSource
{
    public int Pulled { get; private set; }

    public Batch Next()
    {
        var b = batches[Pulled % batches.Length];
        Pulled++;
        return new Batch(b.Images.alias(), b.Labels.alias());
    }
}
