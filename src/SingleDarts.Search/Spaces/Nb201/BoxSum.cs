using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>
/// 3×3 average pooling (stride 1, padding 1, padding not counted) as a depthwise convolution with
/// a kernel of ones — a 3×3 window sum that oneDNN vectorises — times 1/count per position, where
/// count is 9 inside, 6 on edges and 4 in corners. libtorch's own CPU avg_pool2d and its backward
/// took a fifth of a full supernet step (measured with perf); the window sum and its backward are
/// cheap. The 1/count factor is returned separately so the caller can fold it into the op weight.
/// </summary>
internal static class BoxSum
{
    private static readonly ConcurrentDictionary<(long Channels, long H, long W, ScalarType Dtype, string Device), (Tensor Kernel, Tensor InvCount)> Cache = new();

    /// <summary>Σ over the 3×3 window of every position, zero padded: [B, C, H, W].</summary>
    public static Tensor Sum3x3(Tensor x)
    {
        var (kernel, _) = Get(x);
        return nn.functional.conv2d(x, kernel, padding: [1, 1], groups: x.shape[1]);
    }

    /// <summary>1 / (number of in-image positions in the 3×3 window), shaped [H, W].</summary>
    public static Tensor InverseCount(Tensor x) => Get(x).InvCount;

    private static (Tensor Kernel, Tensor InvCount) Get(Tensor x)
    {
        var key = (x.shape[1], x.shape[2], x.shape[3], x.dtype, x.device.ToString());
        return Cache.GetOrAdd(key, k =>
        {
            var kernel = ones([k.Channels, 1, 3, 3], x.dtype, x.device).DetachFromDisposeScope();
            var counts = new float[k.H * k.W];
            for (var i = 0; i < k.H; i++)
                for (var j = 0; j < k.W; j++)
                {
                    var rows = 3 - (i == 0 ? 1 : 0) - (i == k.H - 1 ? 1 : 0);
                    var cols = 3 - (j == 0 ? 1 : 0) - (j == k.W - 1 ? 1 : 0);
                    counts[i * k.W + j] = 1f / (rows * cols);
                }
            using var cpu = tensor(counts, [k.H, k.W]);
            var inv = cpu.to(x.dtype, x.device).DetachFromDisposeScope();
            return (kernel, inv);
        });
    }
}
