using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Nn;

/// <summary>
/// A 2-D convolution layer (square kernel, stride, padding, dilation, groups) over <see cref="Conv.Conv2d"/>,
/// initialised as PyTorch's default from the caller's generator. Its parameters are named
/// <c>weight</c> and <c>bias</c>, as TorchSharp's Conv2d names them.
/// </summary>
public sealed class ConvLayer : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly long stride, padding, groups, dilation;

    public ConvLayer(long cIn, long cOut, long kernel, Generator generator, long stride = 1, long padding = 0, bool bias = true, long groups = 1, long dilation = 1)
        : base(nameof(ConvLayer))
    {
        if (cIn % groups != 0 || cOut % groups != 0) throw new ArgumentException($"channels {cIn}->{cOut} are not divisible by {groups} groups", nameof(groups));
        this.stride = stride;
        this.padding = padding;
        this.groups = groups;
        this.dilation = dilation;
        weight = Parameters.From(empty(cOut, cIn / groups, kernel, kernel));
        register_parameter(nameof(weight), weight);
        if (bias)
        {
            this.bias = Parameters.From(empty(cOut));
            register_parameter(nameof(bias), this.bias);
        }
        Init.DefaultUniform(weight, this.bias, generator);
    }

    public override Tensor forward(Tensor x) => Conv.Conv2d(x, weight, bias, stride, padding, groups, dilation);
}
