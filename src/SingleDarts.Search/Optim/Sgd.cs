using SingleDarts.Search.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Optim;

/// <summary>
/// PyTorch's SGD (momentum, no dampening, optionally Nesterov, L2 weight decay added to the gradient),
/// with its momentum buffers exposed: DARTS-V2 unrolls one step of exactly this update, and a
/// checkpoint must hold them. Gradients are passed in, so no <c>.grad</c> bookkeeping is needed.
/// Buffers start at zero, which gives bit for bit PyTorch's "first step copies the gradient".
/// </summary>
public sealed class Sgd : IDisposable
{
    private readonly IReadOnlyList<Tensor> parameters;
    private readonly Tensor[] buffers;
    private readonly Scalar momentum, weightDecay;

    public Sgd(IReadOnlyList<Tensor> parameters, double momentum, double weightDecay, bool nesterov = false)
    {
        if (nesterov && momentum <= 0) throw new ArgumentException("Nesterov momentum needs a momentum above 0", nameof(nesterov));
        Nesterov = nesterov;
        this.parameters = parameters;
        Momentum = momentum;
        WeightDecay = weightDecay;
        this.momentum = momentum.ToScalar();
        this.weightDecay = weightDecay.ToScalar();
        buffers = parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
    }

    public double Momentum { get; }
    public double WeightDecay { get; }
    public bool Nesterov { get; }

    public IReadOnlyList<Tensor> MomentumBuffers => buffers;

    /// <summary>The update direction (before the learning rate) for one parameter, without stepping.</summary>
    public Tensor Direction(int index, Tensor grad)
    {
        if (Nesterov) throw new NotSupportedException("the unrolled step is defined for plain momentum");
        var p = parameters[index];
        var d = WeightDecay != 0 ? grad.add(p, weightDecay) : grad.clone();
        if (Momentum != 0) d.add_(buffers[index], momentum);
        return d;
    }

    /// <summary>One update; a null gradient (a weight the loss does not use) leaves that weight and its momentum alone, as PyTorch skips a parameter whose grad is None.</summary>
    public void Step(IReadOnlyList<Tensor?> grads, double lr)
    {
        if (grads.Count != parameters.Count) throw new ArgumentException("one gradient per parameter is needed");
        using var _ = no_grad();
        using var minusLr = (-lr).ToScalar();
        for (var i = 0; i < parameters.Count; i++)
        {
            if (grads[i] is not { } grad) continue;
            var p = parameters[i];
            using var d = WeightDecay != 0 ? grad.add(p, weightDecay) : grad.alias();
            if (Momentum != 0)
            {
                buffers[i].mul_(momentum).add_(d, Scalars.One);
                if (Nesterov)
                {
                    // PyTorch: d ← d + momentum·buf
                    using var nesterov = d.add(buffers[i], momentum);
                    p.add_(nesterov, minusLr);
                }
                else
                {
                    p.add_(buffers[i], minusLr);
                }
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
