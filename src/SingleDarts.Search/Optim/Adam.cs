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
        var stepSize = LearningRate / biasCorrection1;
        var biasCorrection2Sqrt = Math.Sqrt(biasCorrection2);
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            using var g = WeightDecay != 0 ? grads[i].add(p, WeightDecay) : grads[i].alias();
            expAvg[i].lerp_(g, 1 - Beta1);
            expAvgSq[i].mul_(Beta2).addcmul_(g, g, 1 - Beta2);
            using var denom = expAvgSq[i].sqrt().div_(biasCorrection2Sqrt).add_(Eps);
            p.addcdiv_(expAvg[i], denom, -stepSize);
        }
    }

    public IEnumerable<(string Name, Tensor Tensor)> StateTensors() =>
        expAvg.Select((t, i) => ($"exp_avg.{i}", t)).Concat(expAvgSq.Select((t, i) => ($"exp_avg_sq.{i}", t)));

    public void Dispose()
    {
        foreach (var t in expAvg.Concat(expAvgSq)) t.Dispose();
    }
}
