using SingleDarts.Search.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>
/// 3×3 average pooling (stride 1, padding 1, padding not counted) as a depthwise convolution with
/// a kernel of ones — a 3×3 window sum that oneDNN vectorises — times 1/count per position, where
/// count is 9 inside, 6 on edges and 4 in corners. libtorch's own CPU avg_pool2d and its backward
/// took a fifth of a full supernet step (measured with perf); the window sum and its backward are
/// cheap. The 1/count factor is returned separately so the caller can fold it into the op weight.
/// Each module owns its constants (no state shared between the models of concurrent searches).
/// </summary>
internal sealed class BoxSum : IDisposable
{
    private readonly Dictionary<(long Channels, long H, long W, ScalarType Dtype, string Device), (Tensor Kernel, Tensor InvCount)> cache = [];

    /// <summary>Σ over the 3×3 window of every position, zero padded: [B, C, H, W].</summary>
    public Tensor Sum3x3(Tensor x) => Conv.Conv2d(x, Get(x).Kernel, padding: 1, groups: x.shape[1]);

    /// <summary>1 / (number of in-image positions in the 3×3 window), shaped [H, W].</summary>
    public Tensor InverseCount(Tensor x) => Get(x).InvCount;

    private (Tensor Kernel, Tensor InvCount) Get(Tensor x)
    {
        var key = (x.shape[1], x.shape[2], x.shape[3], x.dtype, x.device.ToString());
        if (cache.TryGetValue(key, out var found)) return found;
        var (channels, h, w) = (key.Item1, key.Item2, key.Item3);
        var kernel = ones([channels, 1, 3, 3], x.dtype, x.device).DetachFromDisposeScope();
        var counts = new float[h * w];
        for (var i = 0; i < h; i++)
            for (var j = 0; j < w; j++)
            {
                var rows = 3 - (i == 0 ? 1 : 0) - (i == h - 1 ? 1 : 0);
                var cols = 3 - (j == 0 ? 1 : 0) - (j == w - 1 ? 1 : 0);
                counts[i * w + j] = 1f / (rows * cols);
            }
        using var cpu = tensor(counts, [h, w]);
        var inv = cpu.to(x.dtype, x.device).DetachFromDisposeScope();
        return cache[key] = (kernel, inv);
    }

    public void Dispose()
    {
        foreach (var (kernel, inv) in cache.Values)
        {
            kernel.Dispose();
            inv.Dispose();
        }
        cache.Clear();
    }
}
