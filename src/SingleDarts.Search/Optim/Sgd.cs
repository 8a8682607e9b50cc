using SingleDarts.Search.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Optim;

/// <summary>
/// PyTorch's SGD (momentum, no dampening, no Nesterov, L2 weight decay added to the gradient),
/// with its momentum buffers exposed: DARTS-V2 unrolls one step of exactly this update, and a
/// checkpoint must hold them. Gradients are passed in, so no <c>.grad</c> bookkeeping is needed.
/// Buffers start at zero, which gives bit for bit PyTorch's "first step copies the gradient".
/// </summary>
public sealed class Sgd : IDisposable
{
    private readonly IReadOnlyList<Tensor> parameters;
    private readonly Tensor[] buffers;
    private readonly Scalar momentum, weightDecay;

    public Sgd(IReadOnlyList<Tensor> parameters, double momentum, double weightDecay)
    {
        this.parameters = parameters;
        Momentum = momentum;
        WeightDecay = weightDecay;
        this.momentum = momentum.ToScalar();
        this.weightDecay = weightDecay.ToScalar();
        buffers = parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
    }

    public double Momentum { get; }
    public double WeightDecay { get; }

    public IReadOnlyList<Tensor> MomentumBuffers => buffers;

    /// <summary>The update direction (before the learning rate) for one parameter, without stepping.</summary>
    public Tensor Direction(int index, Tensor grad)
    {
        var p = parameters[index];
        var d = WeightDecay != 0 ? grad.add(p, weightDecay) : grad.clone();
        if (Momentum != 0) d.add_(buffers[index], momentum);
        return d;
    }

    public void Step(IReadOnlyList<Tensor> grads, double lr)
    {
        if (grads.Count != parameters.Count) throw new ArgumentException("one gradient per parameter is needed");
        using var _ = no_grad();
        using var minusLr = (-lr).ToScalar();
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            using var d = WeightDecay != 0 ? grads[i].add(p, weightDecay) : grads[i].alias();
            if (Momentum != 0)
            {
                buffers[i].mul_(momentum).add_(d, Scalars.One);
                p.add_(buffers[i], minusLr);
            }
            else
            {
                p.add_(d, minusLr);
            }
        }
    }

    public IEnumerable<(string Name, Tensor Tensor)> StateTensors() =>
        buffers.Select((b, i) => ($"momentum.{i}", b));

    public void Dispose()
    {
        foreach (var b in buffers) b.Dispose();
        momentum.Dispose();
        weightDecay.Dispose();
    }
}
