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
/// The route around it: such a convolution runs in channels-last memory (NHWC strides), where
/// the same oneDNN kernel reads unpadded memory with masked channel tails and is right. It costs
/// nothing measurable (NHWC was as fast as the faulty NCHW call on these small shapes, padding the
/// channels to 16 was ~1.6× slower), and channel counts that are multiples of 16 — the full
/// supernet — keep the NCHW path bit for bit.
/// </para>
/// </summary>
public static class Conv
{
    /// <summary>The widest channel block of oneDNN's f32 kernels on x86-64 (AVX-512); AVX2's 8 divides it.</summary>
    public const long ChannelBlock = 16;

    /// <summary>2-D convolution with square stride and zero padding; see the type's remarks.</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long groups = 1)
    {
        if (!TakesChannelsLastRoute(x, weight, groups))
            return F.conv2d(x, weight, bias, strides: [stride, stride], padding: [padding, padding], groups: groups);
        using var scope = NewDisposeScope();
        var y = F.conv2d(ChannelsLast(x), ChannelsLast(weight), bias, strides: [stride, stride], padding: [padding, padding], groups: groups);
        return y.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// True when the input's gradient will be computed by the faulty kernel: CPU, float32, a
    /// non-grouped kernel larger than 1×1, output channels not a multiple of <see cref="ChannelBlock"/>,
    /// and an input that needs its gradient.
    /// </summary>
    public static bool TakesChannelsLastRoute(Tensor x, Tensor weight, long groups) =>
        groups == 1
        && weight.shape[0] % ChannelBlock != 0
        && (weight.shape[2] > 1 || weight.shape[3] > 1)
        && x.requires_grad
        && is_grad_enabled()
        && x.device_type == TorchSharp.DeviceType.CPU
        && x.dtype == ScalarType.Float32;

    /// <summary>The same values with NHWC strides (TorchSharp 0.107 has no memory_format argument).</summary>
    private static Tensor ChannelsLast(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
}
