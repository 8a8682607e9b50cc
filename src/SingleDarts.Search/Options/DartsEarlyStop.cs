namespace SingleDarts.Search.Options;

/// <summary>
/// DARTS-ES (Zela et al., ICLR 2020): stop a search when the sharpness of its held-out loss in α has grown fast —
/// λ̄(i − k) / λ̄(i) &lt; <see cref="Ratio"/>, λ̄(e) the mean of the λ_max measured in the epochs (e − k, e] — and return
/// the cell of epoch i − k, before the growth. Checked at every epoch that measures λ_max, once i − k ≥ <see cref="StartEpoch"/>.
/// <para>
/// After automl/RobustDARTS (src/utils.py EVLocalAvg.early_stop; defaults in src/search/args.py: window 5, factor
/// 1.3, es_start_epoch 10): the reference averages over a window of 5 measurements taken every 2 epochs and compares
/// local averages 4 measurements (8 epochs) apart against a factor of 1.3; the paper states the rule as here, with
/// k = 5 epochs and 0.75 (= 1/1.33). We follow the paper's statement in epochs, so that the rule does not change
/// meaning with the measuring interval; the stop epoch and the returned cell are the reference's.
/// </para>
/// </summary>
public sealed record DartsEarlyStop
{
    /// <summary>k: the epochs λ_max is averaged over, and how far back the comparison looks.</summary>
    public int Window { get; init; } = 5;

    /// <summary>Stop when λ̄(i − k) / λ̄(i) falls below this (λ̄ grew by more than 1/ratio).</summary>
    public double Ratio { get; init; } = 0.75;

    /// <summary>The earliest epoch i − k whose cell may be returned (the reference's es_start_epoch).</summary>
    public int StartEpoch { get; init; } = 10;

    /// <summary>Every reason the rule cannot run, one sentence each (<paramref name="epochs"/>: the run's).</summary>
    public IEnumerable<string> Problems(int epochs, int hessianEvery)
    {
        if (Window < 1) yield return $"darts_es.window must be at least 1 epoch, got {Window}";
        if (!(Ratio > 0 && Ratio < 1)) yield return $"darts_es.ratio must be in (0, 1), got {Ratio}";
        if (StartEpoch < 0) yield return $"darts_es.start_epoch must not be negative, got {StartEpoch}";
        if (hessianEvery <= 0) yield return "darts_es stops on λ_max, which is not measured: set hessian_every to a number of epochs (2 is the reference's)";
        else if (hessianEvery > Window) yield return $"darts_es.window ({Window} epochs) must hold a λ_max measurement: hessian_every is {hessianEvery}";
    }

    /// <summary>
    /// The decision after epoch <paramref name="epoch"/> (1-based), given λ_max per epoch (index epoch − 1; null where
    /// not measured): null to go on, else the epoch whose cell is the result and the two averages compared.
    /// </summary>
    public (int ResultEpoch, double Before, double Now)? Decide(IReadOnlyList<double?> lambdas, int epoch)
    {
        if (epoch > lambdas.Count || lambdas[epoch - 1] is null) return null;      // decided where λ is measured
        var back = epoch - Window;
        if (back < Math.Max(1, StartEpoch)) return null;
        if (Mean(lambdas, back) is not { } before || Mean(lambdas, epoch) is not { } now) return null;
        if (!(before > 0 && now > 0)) return null;                                 // a ratio of non-positive curvatures means nothing
        return before / now < Ratio ? (back, before, now) : null;
    }

    /// <summary>λ̄(e): the mean of the measurements in epochs (e − k, e]; null when there is none.</summary>
    private double? Mean(IReadOnlyList<double?> lambdas, int e)
    {
        double sum = 0;
        var n = 0;
        for (var i = Math.Max(1, e - Window + 1); i <= e; i++)
            if (lambdas[i - 1] is { } v)
            {
                sum += v;
                n++;
            }
        return n == 0 ? null : sum / n;
    }

    /// <summary>The seed's reason for a stop after <paramref name="epoch"/> (what <see cref="Decide"/> returned): the ratio is printed
    /// with as many decimals as it takes to show it below the rule's (0.7497 is not "0.750 &lt; 0.75").</summary>
    public string Reason(int epoch, int back, double before, double now)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var ratio = before / now;
        var shown = Enumerable.Range(3, 8).Select(d => ratio.ToString($"F{d}", inv)).FirstOrDefault(t => double.Parse(t, inv) < Ratio) ?? ratio.ToString("R", inv);
        return string.Create(inv, $"DARTS-ES after epoch {epoch}: mean λ_max grew from {before:G4} (epochs {Math.Max(1, back - Window + 1)}–{back}) " +
                                  $"to {now:G4} (epochs {epoch - Window + 1}–{epoch}), ratio {shown} < {Ratio:G4}; the result is epoch {back}'s cell");
    }

    public override string ToString() => $"window {Window} epochs, ratio {Ratio:G4}, from epoch {StartEpoch}";
}
