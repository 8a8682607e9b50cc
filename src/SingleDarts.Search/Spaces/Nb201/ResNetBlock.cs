using SingleDarts.Search.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>
/// NAS-Bench-201's residual reduction block C→2C between stages:
/// ReLU-Conv3×3(stride 2)-BN → ReLU-Conv3×3-BN, plus a shortcut of 2×2 average pooling and a 1×1 conv.
/// </summary>
public sealed class ResNetBlock : Module<Tensor, Tensor>, IReferenceNames
{
    // xautodl/models/cell_operations.py: ResNetBasicblock.downsample = Sequential(AvgPool2d, Conv2d) at stride 2
    public IReadOnlyList<(string Ours, string Reference)> ReferenceNames => [("downsample", "downsample.1")];

    private readonly ReLUConvBN conv_a;
    private readonly ReLUConvBN conv_b;
    private readonly ConvLayer downsample;

    public ResNetBlock(long cIn, long cOut, Generator generator) : base(nameof(ResNetBlock))
    {
        conv_a = new ReLUConvBN(cIn, cOut, 3, 2, generator);
        conv_b = new ReLUConvBN(cOut, cOut, 3, 1, generator);
        downsample = new ConvLayer(cIn, cOut, 1, generator, bias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var a = conv_a.forward(x);
        var b = conv_b.forward(a);
        var pooled = functional.avg_pool2d(x, 2, 2);
        var shortcut = downsample.forward(pooled);
        return b.add_(shortcut, Scalars.One).MoveToOuterDisposeScope();
    }
}
