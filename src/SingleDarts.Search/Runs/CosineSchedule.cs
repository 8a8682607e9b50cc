namespace SingleDarts.Search.Runs;

/// <summary>
/// Cosine annealing of w's learning rate from lr to lrMin over the whole run, updated every step
/// (as in NAS-Bench-201's own search code): lr(t) = lrMin + (lr − lrMin)·(1 + cos(π·t/T))/2,
/// t = epoch + step/stepsPerEpoch, T = epochs.
/// </summary>
public sealed record CosineSchedule(double Lr, double LrMin, int Epochs)
{
    public double At(int epoch, int step, int stepsPerEpoch)
    {
        var t = epoch + (double)step / stepsPerEpoch;
        return LrMin + (Lr - LrMin) * (1 + Math.Cos(Math.PI * t / Epochs)) / 2;
    }
}
