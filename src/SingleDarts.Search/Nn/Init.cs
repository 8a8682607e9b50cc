using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Nn;

/// <summary>
/// PyTorch's default initialisation, drawn from a caller's generator so that every search seed
/// owns its randomness (the global generator is shared by every seed in a process).
/// </summary>
public static class Init
{
    /// <summary>Conv/Linear default: kaiming_uniform(a=√5) for weights = U(±1/√fan_in), and the same bound for biases.</summary>
    public static void DefaultUniform(Tensor weight, Tensor? bias, Generator generator)
    {
        var fanIn = weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        var bound = 1.0 / Math.Sqrt(fanIn);
        Uniform(weight, bound, generator);
        if (bias is not null) Uniform(bias, bound, generator);
    }

    public static void Uniform(Tensor t, double bound, Generator generator)
    {
        using var _ = no_grad();
        using var r = rand(t.shape, dtype: t.dtype, generator: generator);
        using var width = (2 * bound).ToScalar();
        using var minusBound = (-bound).ToScalar();
        t.copy_(r.mul_(width).add_(minusBound, Scalars.One));
    }
}
