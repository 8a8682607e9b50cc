using SingleDarts.Search.Nn;
using Xunit.Abstractions;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SingleDarts.Search.Tests;

/// <summary>
/// Every convolution the C2/C4/C8 supernets run, forward and backward, against float64 (where
/// libtorch does not use oneDNN). On AVX-512 CPUs the raw 3×3 kernel's input gradient is wrong
/// or NaN for output channels that are not a multiple of 16 (see Nn/Conv.cs); the seam must be
/// right for every shape, and must leave alone only shapes the raw kernel gets right.
/// </summary>
[Trait("Category", "unit")]
public class ConvolutionKernelTests(ITestOutputHelper output)
{
    private const int Repeats = 4;

    /// <summary>A convolution of the supernet: input [Batch, CIn, H, H], weight [COut, CIn/groups, K, K].</summary>
    public sealed record Shape(string Name, long Batch, long CIn, long COut, long H, long K, long Stride, long Groups, bool Bias)
    {
        public override string ToString() => $"{Name} [{Batch},{CIn},{H},{H}] -> {COut} k{K} s{Stride} g{Groups}";
    }

    /// <summary>The convolutions of the NB201 supernet at <paramref name="c"/> channels on <paramref name="size"/>² images whose input needs a gradient.</summary>
    public static IEnumerable<Shape> SupernetShapes(long c, long size, long batch)
    {
        for (var stage = 0; stage < 3; stage++)
        {
            long ch = c << stage, h = size >> stage;
            for (var k = 1; k <= 3; k++) // the k edges leaving a node share one convolution of k·C outputs
            {
                yield return new Shape($"edge 1x1 x{k}", batch, ch, k * ch, h, 1, 1, 1, true);
                yield return new Shape($"edge 3x3 x{k}", batch, ch, k * ch, h, 3, 1, 1, true);
            }
            yield return new Shape("pool window sum", batch, ch, ch, h, 3, 1, ch, false);
            if (stage == 0) continue;
            yield return new Shape("resblock a (stride 2)", batch, ch / 2, ch, h * 2, 3, 2, 1, false);
            yield return new Shape("resblock b", batch, ch, ch, h, 3, 1, 1, false);
            yield return new Shape("resblock shortcut", batch, ch / 2, ch, h, 1, 1, 1, false);
        }
    }

    /// <summary>Channels, image side, batch: the supernets the tests and the CPU-scale protocol train.</summary>
    public static TheoryData<int, int, int> Supernets => new() { { 2, 8, 16 }, { 4, 8, 16 }, { 8, 16, 16 }, { 2, 8, 64 }, { 4, 8, 64 }, { 8, 16, 64 } };

    [Theory]
    [MemberData(nameof(Supernets))]
    public void Every_convolution_of_the_small_supernets_matches_float64_forward_and_backward(int channels, int size, int batch)
    {
        using var g = new Generator(11, CPU);
        var failures = new List<string>();
        foreach (var shape in SupernetShapes(channels, size, batch))
            for (var r = 0; r < Repeats; r++)
                if (Compare(shape, g, raw: false) is { } problem) failures.Add($"{shape}: {problem}");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Distinct()));
    }

    [Theory]
    [MemberData(nameof(Supernets))]
    public void The_raw_kernel_is_right_wherever_the_seam_leaves_it_alone(int channels, int size, int batch)
    {
        using var g = new Generator(12, CPU);
        var failures = new List<string>();
        foreach (var shape in SupernetShapes(channels, size, batch))
        {
            var routed = Routed(shape);
            var wrong = 0;
            for (var r = 0; r < Repeats; r++)
                if (Compare(shape, g, raw: true) is { } problem)
                {
                    wrong++;
                    if (!routed) failures.Add($"{shape}: {problem}");
                }
            if (routed) output.WriteLine($"{shape}: padded to whole channel blocks; the raw kernel was wrong {wrong} of {Repeats} times on this CPU");
        }
        Assert.True(failures.Count == 0, "the raw kernel is wrong on a shape the seam does not route:\n" + string.Join("\n", failures.Distinct()));
    }

    [Fact]
    public void The_seam_routes_exactly_trained_non_grouped_kernels_wider_than_1x1_with_unaligned_outputs()
    {
        using var scope = NewDisposeScope();
        var x = randn([2, 8, 4, 4]).requires_grad_();
        Assert.True(Conv.NeedsWholeBlocks(x, zeros(8, 8, 3, 3), 1));
        Assert.True(Conv.NeedsWholeBlocks(x, zeros(24, 8, 3, 3), 1));
        Assert.False(Conv.NeedsWholeBlocks(x, zeros(16, 8, 3, 3), 1)); // aligned outputs
        Assert.False(Conv.NeedsWholeBlocks(x, zeros(8, 8, 1, 1), 1));  // 1×1
        Assert.False(Conv.NeedsWholeBlocks(x, zeros(8, 1, 3, 3), 8));  // depthwise
        Assert.False(Conv.NeedsWholeBlocks(x.detach(), zeros(8, 8, 3, 3), 1)); // no input gradient
        using (no_grad()) Assert.False(Conv.NeedsWholeBlocks(x, zeros(8, 8, 3, 3), 1));
        Assert.False(Conv.NeedsWholeBlocks(x.to(float64), zeros(8, 8, 3, 3, float64), 1));
    }

    private static bool Routed(Shape s)
    {
        using var scope = NewDisposeScope();
        return Conv.NeedsWholeBlocks(zeros(1, s.CIn, 1, 1).requires_grad_(), zeros(s.COut, s.CIn / s.Groups, s.K, s.K), s.Groups);
    }

    /// <summary>One forward and backward through the seam (or the raw kernel) against float64; null when they agree.</summary>
    private static string? Compare(Shape s, Generator g, bool raw)
    {
        using var scope = NewDisposeScope();
        var x = randn([s.Batch, s.CIn, s.H, s.H], generator: g).requires_grad_();
        var w = randn([s.COut, s.CIn / s.Groups, s.K, s.K], generator: g).requires_grad_();
        var b = s.Bias ? randn([s.COut], generator: g).requires_grad_() : null;
        Tensor[] inputs = b is null ? [x, w] : [x, w, b];
        var padding = s.K / 2;
#pragma warning disable SD1004 // the raw kernel, on purpose; float64 does not run on oneDNN
        var y = raw
            ? F.conv2d(x, w, b, strides: [s.Stride, s.Stride], padding: [padding, padding], groups: s.Groups)
            : Conv.Conv2d(x, w, b, s.Stride, padding, s.Groups);
        var gradOut = randn(y.shape, generator: g);
        var grads = autograd.grad([y], inputs, [gradOut]);

        var inputs64 = inputs.Select(t => t.detach().to(float64).requires_grad_()).ToArray();
        var y64 = F.conv2d(inputs64[0], inputs64[1], s.Bias ? inputs64[2] : null, strides: [s.Stride, s.Stride], padding: [padding, padding], groups: s.Groups);
#pragma warning restore SD1004
        var grads64 = autograd.grad([y64], inputs64, [gradOut.to(float64)]);

        string[] names = ["output", "input gradient", "weight gradient", "bias gradient"];
        Tensor[] ours = [y, .. grads], theirs = [y64, .. grads64];
        for (var i = 0; i < ours.Length; i++)
            if (RelativeError(ours[i], theirs[i]) is var e && !(e < 1e-4))
                return $"{names[i]} off by {e:G3} (relative to its largest value)";
        return null;
    }

    internal static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        var scale = expected.abs().max().item<double>();
        var diff = actual.to(float64).sub(expected).abs().max().item<double>();
        return diff / Math.Max(scale, 1e-12);
    }
}
