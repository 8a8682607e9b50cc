using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Nn;

/// <summary>
/// A fully connected layer initialised as PyTorch's default from the caller's generator; its
/// parameters are named <c>weight</c> and <c>bias</c>, as TorchSharp's Linear names them. (That
/// Linear draws from the process-wide generator and leaves two temporaries to the finalizer.)
/// </summary>
public sealed class LinearLayer : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight, bias;

    public LinearLayer(long inFeatures, long outFeatures, Generator generator) : base(nameof(LinearLayer))
    {
        weight = Parameters.From(empty(outFeatures, inFeatures));
        bias = Parameters.From(empty(outFeatures));
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
        Init.DefaultUniform(weight, bias, generator);
    }

    public override Tensor forward(Tensor x) => nn.functional.linear(x, weight, bias);
}
