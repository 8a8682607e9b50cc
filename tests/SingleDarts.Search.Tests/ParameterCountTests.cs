using SingleDarts.Search.Spaces.Nb201;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

[Trait("Category", "unit")]
public class ParameterCountTests
{
    [Theory]
    [InlineData(16, 5, 10, 1_692_826)] // NAS-Bench-201's search supernet
    [InlineData(8, 2, 10, 181_362)]    // the CPU-scale protocol
    public void Supernet_has_the_benchmark_weight_count(int channels, int cells, int classes, long expected)
    {
        using var g = new Generator(0, CPU);
        using var model = new Nb201SearchModel(Tiny.Settings(channels, cells, classes), g);
        Assert.Equal(expected, model.Net.WeightCount);
        Assert.Equal(expected, model.Weights.Sum(w => w.numel()));
        Assert.Equal([6L, 5L], model.Alphas.shape);
    }

    [Fact]
    public void Alphas_start_small_and_come_from_the_seed()
    {
        using var a = Tiny.Model(seed: 3);
        using var b = Tiny.Model(seed: 3);
        using var c = Tiny.Model(seed: 4);
        var va = Tiny.Values(a.Alphas);
        Assert.Equal(va, Tiny.Values(b.Alphas));
        Assert.NotEqual(va, Tiny.Values(c.Alphas));
        Assert.All(va, v => Assert.True(Math.Abs(v) < 0.01, $"α init {v} is not ~1e-3·N(0,1)"));
        Assert.Contains(va, v => v != 0);
    }

    [Fact]
    public void Forward_gives_logits_per_image()
    {
        using var model = Tiny.Model();
        using var batch = Tiny.RandomBatch(1);
        using var logits = model.Forward(batch.Images);
        Assert.Equal([8L, 4L], logits.shape);
    }
}
