namespace SingleDarts.Reports;

/// <summary>
/// DARTS-ES's stopping decision, as the report replays it on recorded λ_max: the same lines as the search core's
/// <c>SingleDarts.Search.Options.DartsEarlyStop.Decide</c>, repeated here because this project must not load the search core
/// (and libtorch with it). A test in SingleDarts.Search.Tests feeds both the same histories and checks they agree.
/// Stop after epoch i (where λ_max is measured, i − k ≥ max(1, start epoch)) when λ̄(i − k)/λ̄(i) &lt; ratio, λ̄(e) the mean
/// of the measurements in (e − k, e]; the seed's result is the cell of epoch i − k.
/// </summary>
public sealed record DartsEsRule(int Window = 5, double Ratio = 0.75, int StartEpoch = 10)
{
    /// <summary>The epoch whose cell is the result if the rule stops after <paramref name="epoch"/> (1-based; λ_max at index epoch − 1, null where not measured), else null.</summary>
    public int? Decide(IReadOnlyList<double?> lambdas, int epoch)
    {
        if (epoch > lambdas.Count || lambdas[epoch - 1] is null) return null;
        var back = epoch - Window;
        if (back < Math.Max(1, StartEpoch)) return null;
        if (Mean(lambdas, back) is not { } before || Mean(lambdas, epoch) is not { } now) return null;
        if (!(before > 0 && now > 0)) return null;
        return before / now < Ratio ? back : null;
    }

    /// <summary>The first epoch after which the rule stops the seed; null if it never does.</summary>
    public int? FirstStop(IReadOnlyList<double?> lambdas)
    {
        for (var epoch = 1; epoch <= lambdas.Count; epoch++)
            if (Decide(lambdas, epoch) is not null) return epoch;
        return null;
    }

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
}
