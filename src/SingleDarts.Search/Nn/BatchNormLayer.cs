using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Nn;

/// <summary>
/// BatchNorm over channels (momentum 0.1, eps 1e-5, running statistics, optional affine scale and
/// shift), written on <c>functional.batch_norm</c>. TorchSharp's own BatchNorm2d counts batches
/// with <c>num_batches_tracked.add_(1)</c>, a temporary Scalar that a concurrent collection can free
/// mid-call (see <see cref="Scalars"/>); with a fixed momentum that counter is never used.
/// </summary>
public sealed class BatchNormLayer : nn.Module<Tensor, Tensor>
{
    public const double Momentum = 0.1, Eps = 1e-5;

    private readonly Parameter? weight, bias;
    private readonly Tensor running_mean, running_var;

    public BatchNormLayer(long channels, bool affine = true) : base("BatchNorm")
    {
        if (affine)
        {
            weight = Parameters.From(ones(channels));
            bias = Parameters.From(zeros(channels));
            register_parameter(nameof(weight), weight);
            register_parameter(nameof(bias), bias);
        }
        running_mean = zeros(channels);
        running_var = ones(channels);
        register_buffer(nameof(running_mean), running_mean);
        register_buffer(nameof(running_var), running_var);
    }

    public override Tensor forward(Tensor x) =>
        nn.functional.batch_norm(x, running_mean, running_var, weight, bias, training, Momentum, Eps);
}
