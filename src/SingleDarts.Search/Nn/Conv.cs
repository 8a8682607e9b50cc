using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SingleDarts.Search.Nn;

/// <summary>
/// Every convolution of the search core goes through <see cref="Conv2d"/> (the SD1004 analyzer
/// rule refuses <c>conv2d</c> anywhere else), because libtorch's CPU convolution has a fault that
/// must be routed around in one place.
/// <para>
/// The fault, measured (tests/…/ConvolutionKernelTests): oneDNN 3.7.1 as bundled with libtorch
/// 2.10 computes the gradient of a convolution's <em>input</em> wrongly when the kernel is larger
/// than 1×1, the convolution is not grouped, and the number of <em>output</em> channels is not a
/// multiple of the CPU's channel block (16 with AVX-512, 8 with AVX2). libtorch then hands the
/// jit backward-data kernel the output gradient in a padded blocked layout (aBcd16b with padded
/// channels), and the kernel reads memory it does not own: the same call on the same inputs gives
/// different results, mostly wrong finite values, sometimes NaN/Inf. Forward results and weight
/// gradients are right; 1×1 and depthwise convolutions are right. In the NB201 supernets this hits
/// every 3×3 edge convolution at C=2, 4 and 8 on AVX-512 CPUs (and at C=2, 4 on AVX2 CPUs).
/// </para>
/// <para>
/// The route around it: such a convolution gets zero output channels appended up to the next
/// multiple of 16 (zero weights, zero bias), and the extra channels are cut off its result. The
/// output gradient the kernel then reads has whole channel blocks — the layout every convolution
/// of the full C=16 supernet uses — and the extra channels' gradient is exactly zero. Measured
/// against the alternatives: channels-last memory was as fast but lets oneDNN pick a brgemm
/// backward kernel that crashed a long sweep with SIGSEGV (ker_vpad) and once returned a gradient
/// too large to be true; im2col + matmul avoids oneDNN but was ~3× slower; the padding costs ~1.3×
/// on these small convolutions (~2 % of a C=8 supernet step). Channel counts that are multiples of
/// 16 — the full supernet — keep the plain path bit for bit.
/// </para>
/// </summary>
public static class Conv
{
    /// <summary>The widest channel block of oneDNN's f32 kernels on x86-64 (AVX-512); AVX2's 8 divides it.</summary>
    public const long ChannelBlock = 16;

    /// <summary>2-D convolution with square stride, zero padding and dilation; see the type's remarks.</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long groups = 1, long dilation = 1)
    {
        if (!NeedsWholeBlocks(x, weight, groups))
            return F.conv2d(x, weight, bias, strides: [stride, stride], padding: [padding, padding], dilation: [dilation, dilation], groups: groups);
        using var scope = NewDisposeScope();
        var outChannels = weight.shape[0];
        var extra = ChannelBlock - outChannels % ChannelBlock;
        var padded = cat([weight, zeros([extra, weight.shape[1], weight.shape[2], weight.shape[3]], weight.dtype, weight.device)], 0);
        var paddedBias = bias is null ? null : cat([bias, zeros([extra], bias.dtype, bias.device)], 0);
        var y = F.conv2d(x, padded, paddedBias, strides: [stride, stride], padding: [padding, padding], dilation: [dilation, dilation], groups: groups);
        return y.narrow(1, 0, outChannels).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// True when the input's gradient would be computed by the faulty kernel: CPU, float32, a
    /// non-grouped kernel larger than 1×1, output channels not a multiple of <see cref="ChannelBlock"/>,
    /// and an input that needs its gradient.
    /// </summary>
    public static bool NeedsWholeBlocks(Tensor x, Tensor weight, long groups) =>
        groups == 1
        && weight.shape[0] % ChannelBlock != 0
        && (weight.shape[2] > 1 || weight.shape[3] > 1)
        && x.requires_grad
        && is_grad_enabled()
        && x.device_type == TorchSharp.DeviceType.CPU
        && x.dtype == ScalarType.Float32;
}
