using SingleDarts.Search.Nn;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SingleDarts.Search.Spaces.Darts;

/// <summary>ReLU → Conv (no bias) → BatchNorm: the cells' 1×1 preprocessing.</summary>
public sealed class ReLUConvBN : nn.Module<Tensor, Tensor>, IReferenceNames
{
    // the DARTS code's ReLUConvBN (quark0/darts, cnn/operations.py): op = Sequential(ReLU, Conv2d, BatchNorm2d)
    public IReadOnlyList<(string Ours, string Reference)> ReferenceNames => [("conv", "op.1"), ("bn", "op.2")];

    private readonly ConvLayer conv;
    private readonly BatchNormLayer bn;

    public ReLUConvBN(long cIn, long cOut, long kernel, long stride, long padding, bool affine, Generator generator) : base(nameof(ReLUConvBN))
    {
        conv = new ConvLayer(cIn, cOut, kernel, generator, stride, padding, bias: false);
        bn = new BatchNormLayer(cOut, affine);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var r = F.relu(x);
        using var c = conv.forward(r);
        return bn.forward(c);
    }
}

/// <summary>ReLU → depthwise conv (dilated) → 1×1 conv → BatchNorm.</summary>
public sealed class DilConv : nn.Module<Tensor, Tensor>, IReferenceNames
{
    // quark0/darts, cnn/operations.py: op = Sequential(ReLU, Conv2d depthwise, Conv2d 1×1, BatchNorm2d)
    public IReadOnlyList<(string Ours, string Reference)> ReferenceNames => [("depthwise", "op.1"), ("pointwise", "op.2"), ("bn", "op.3")];

    private readonly ConvLayer depthwise, pointwise;
    private readonly BatchNormLayer bn;

    public DilConv(long cIn, long cOut, long kernel, long stride, long padding, long dilation, bool affine, Generator generator) : base(nameof(DilConv))
    {
        depthwise = new ConvLayer(cIn, cIn, kernel, generator, stride, padding, bias: false, groups: cIn, dilation: dilation);
        pointwise = new ConvLayer(cIn, cOut, 1, generator, bias: false);
        bn = new BatchNormLayer(cOut, affine);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return bn.forward(pointwise.forward(depthwise.forward(F.relu(x)))).MoveToOuterDisposeScope();
    }
}

/// <summary>Two stacked <see cref="DilConv"/>-like blocks without dilation, the first with the stride.</summary>
public sealed class SepConv : nn.Module<Tensor, Tensor>, IReferenceNames
{
    // quark0/darts, cnn/operations.py: one Sequential of 8 (ReLU, dw, 1×1, BN, ReLU, dw, 1×1, BN) for our two blocks
    public IReadOnlyList<(string Ours, string Reference)> ReferenceNames =>
    [
        ("first.depthwise", "op.1"), ("first.pointwise", "op.2"), ("first.bn", "op.3"),
        ("second.depthwise", "op.5"), ("second.pointwise", "op.6"), ("second.bn", "op.7"),
    ];

    private readonly DilConv first, second;

    public SepConv(long cIn, long cOut, long kernel, long stride, long padding, bool affine, Generator generator) : base(nameof(SepConv))
    {
        first = new DilConv(cIn, cIn, kernel, stride, padding, 1, affine, generator);
        second = new DilConv(cIn, cOut, kernel, 1, padding, 1, affine, generator);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h = first.forward(x);
        return second.forward(h);
    }
}

/// <summary>
/// Halves the resolution without losing the odd pixels: ReLU, then two 1×1 stride-2 convolutions to
/// C_out/2 channels each, the second on the input shifted by one pixel, concatenated, BatchNorm.
/// </summary>
public sealed class FactorizedReduce : nn.Module<Tensor, Tensor>
{
    private readonly ConvLayer conv_1, conv_2;
    private readonly BatchNormLayer bn;

    public FactorizedReduce(long cIn, long cOut, bool affine, Generator generator) : base(nameof(FactorizedReduce))
    {
        if (cOut % 2 != 0) throw new ArgumentException($"FactorizedReduce needs an even number of output channels, not {cOut}", nameof(cOut));
        conv_1 = new ConvLayer(cIn, cOut / 2, 1, generator, stride: 2, bias: false);
        conv_2 = new ConvLayer(cIn, cOut / 2, 1, generator, stride: 2, bias: false);
        bn = new BatchNormLayer(cOut, affine);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var r = F.relu(x);
        var shifted = r[.., .., 1.., 1..];
        return bn.forward(cat([conv_1.forward(r), conv_2.forward(shifted)], 1)).MoveToOuterDisposeScope();
    }
}

/// <summary>3×3 max or average pooling (padding 1; the average does not count the padding), then BatchNorm without affine parameters, as in the DARTS search network.</summary>
public sealed class PoolBN : nn.Module<Tensor, Tensor>
{
    private readonly bool max;
    private readonly long stride;
    private readonly BatchNormLayer bn;

    public PoolBN(bool max, long channels, long stride) : base(nameof(PoolBN))
    {
        this.max = max;
        this.stride = stride;
        bn = new BatchNormLayer(channels, affine: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var pooled = max
            ? F.max_pool2d(x, [3, 3], [stride, stride], [1, 1])
            : F.avg_pool2d(x, [3, 3], [stride, stride], [1, 1], count_include_pad: false);
        return bn.forward(pooled);
    }
}
