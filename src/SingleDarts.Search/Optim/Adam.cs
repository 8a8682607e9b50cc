using SingleDarts.Search.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Optim;

/// <summary>
/// PyTorch's Adam (no AMSGrad, L2 weight decay added to the gradient), taking gradients as
/// arguments and exposing its state for checkpoints.
/// </summary>
public sealed class Adam : IDisposable
{
    private readonly IReadOnlyList<Tensor> parameters;
    private readonly Tensor[] expAvg;
    private readonly Tensor[] expAvgSq;
    private readonly Tensor[] oneMinusBeta1; // lerp_'s weight is a tensor in TorchSharp; one per parameter's dtype/device
    private readonly Scalar beta2, oneMinusBeta2, weightDecay, eps;

    public Adam(IReadOnlyList<Tensor> parameters, double lr, double beta1, double beta2, double weightDecay, double eps = 1e-8)
    {
        this.parameters = parameters;
        LearningRate = lr;
        Beta1 = beta1;
        Beta2 = beta2;
        WeightDecay = weightDecay;
        Eps = eps;
        expAvg = parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        expAvgSq = parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        oneMinusBeta1 = parameters.Select(p => tensor(1 - beta1, p.dtype, p.device).DetachFromDisposeScope()).ToArray();
        this.beta2 = beta2.ToScalar();
        oneMinusBeta2 = (1 - beta2).ToScalar();
        this.weightDecay = weightDecay.ToScalar();
        this.eps = eps.ToScalar();
    }

    public double LearningRate { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double WeightDecay { get; }
    public double Eps { get; }

    /// <summary>Steps taken so far (the bias correction's t).</summary>
    public long StepCount { get; set; }

    public void Step(IReadOnlyList<Tensor> grads)
    {
        if (grads.Count != parameters.Count) throw new ArgumentException("one gradient per parameter is needed");
        using var _ = no_grad();
        StepCount++;
        var biasCorrection1 = 1 - Math.Pow(Beta1, StepCount);
        var biasCorrection2 = 1 - Math.Pow(Beta2, StepCount);
        using var minusStepSize = (-LearningRate / biasCorrection1).ToScalar();
        using var biasCorrection2Sqrt = Math.Sqrt(biasCorrection2).ToScalar();
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            using var g = WeightDecay != 0 ? grads[i].add(p, weightDecay) : grads[i].alias();
            expAvg[i].lerp_(g, oneMinusBeta1[i]);
            expAvgSq[i].mul_(beta2).addcmul_(g, g, oneMinusBeta2);
            using var denom = expAvgSq[i].sqrt().div_(biasCorrection2Sqrt).add_(eps, Scalars.One);
            p.addcdiv_(expAvg[i], denom, minusStepSize);
        }
    }

    public IEnumerable<(string Name, Tensor Tensor)> StateTensors() =>
        expAvg.Select((t, i) => ($"exp_avg.{i}", t)).Concat(expAvgSq.Select((t, i) => ($"exp_avg_sq.{i}", t)));

    public void Dispose()
    {
        foreach (var t in expAvg.Concat(expAvgSq).Concat(oneMinusBeta1)) t.Dispose();
        beta2.Dispose();
        oneMinusBeta2.Dispose();
        weightDecay.Dispose();
        eps.Dispose();
    }
}
