using SingleDarts.Search.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>ReLU → Conv (no bias) → affine BatchNorm: the building block of the residual reduction blocks.</summary>
public sealed class ReLUConvBN : Module<Tensor, Tensor>, IReferenceNames
{
    // D-X-Y/AutoDL-Projects, xautodl/models/cell_operations.py: ReLUConvBN.op = Sequential(ReLU, Conv2d, BatchNorm2d)
    public IReadOnlyList<(string Ours, string Reference)> ReferenceNames => [("conv", "op.1"), ("bn", "op.2")];

    private readonly ConvLayer conv;
    private readonly BatchNormLayer bn;

    public ReLUConvBN(long cIn, long cOut, long kernel, long stride, Generator generator) : base(nameof(ReLUConvBN))
    {
        conv = new ConvLayer(cIn, cOut, kernel, generator, stride, padding: kernel / 2, bias: false);
        bn = new BatchNormLayer(cOut, affine: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var r = functional.relu(x);
        using var c = conv.forward(r);
        return bn.forward(c);
    }
}
