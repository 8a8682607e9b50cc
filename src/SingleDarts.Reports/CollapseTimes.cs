using SingleDarts.Abstractions;

namespace SingleDarts.Reports;

/// <summary>
/// One search seed's time to collapse: <paramref name="CollapseEpoch"/> is the first epoch from which the sweep's collapse rule
/// holds to the seed's <paramref name="LastEpoch"/> (null: it does not hold at the last epoch — censored there);
/// <paramref name="LambdaRiseEpoch"/> the epoch of λ_max's largest rise between consecutive measurements (null: fewer than two).
/// </summary>
public sealed record SeedCollapse(string Method, long Seed, SeedState State, int? CollapseEpoch, int LastEpoch, int PlannedEpochs,
    int? LambdaRiseEpoch, int? LiveAlarmEpoch)
{
    public bool Collapsed => CollapseEpoch is not null;

    /// <summary>The epoch the seed leaves the risk set: its collapse, or its last epoch when censored.</summary>
    public int Time => CollapseEpoch ?? LastEpoch;
}

/// <summary>A point of a Kaplan–Meier curve: the fraction of seeds not yet collapsed just after <paramref name="Epoch"/>.</summary>
public sealed record SurvivalPoint(int Epoch, double Survival);

/// <summary>A method's Kaplan–Meier estimate: its steps (starting at epoch 0, 1.0) and its censored seeds, each at the curve's height there.</summary>
public sealed record SurvivalCurve(string Method, IReadOnlyList<SurvivalPoint> Steps, IReadOnlyList<SurvivalPoint> Censored, int Seeds);

/// <summary>
/// Time to collapse per seed and per method: a seed has collapsed at epoch e when its cell is at or over the collapse threshold
/// (the count metric the sweep's rule names, e.g. <c>cell.param_free</c> ≥ 4 of NB201's 6 edges) at every epoch from e to its
/// last, the rule the aggregates apply to the final cell applied to the history. A seed that collapses and recovers is not
/// collapsed at that epoch; one still collapsed at its last epoch counts from the start of that final run.
/// </summary>
public static class CollapseTimes
{
    /// <summary>λ_max of the held-out loss in α, as the search core's Hessian diagnostic declares it (HessianSharpness.Key).</summary>
    public const string LambdaMaxKey = "hessian.lambda_max";

    /// <summary>The first epoch of the final run of epochs at or over <paramref name="threshold"/>; null when the last epoch is under it.</summary>
    public static int? CollapseEpoch(IReadOnlyList<EpochSummary> history, string ruleKey, int threshold)
    {
        int? first = null;
        for (var i = history.Count - 1; i >= 0; i--)
        {
            if (!(history[i].Metric(ruleKey) is { } count && count >= threshold)) break;
            first = history[i].Epoch;
        }
        return first;
    }

    /// <summary>The later epoch of the largest increase of λ_max between consecutive measured epochs; null with fewer than two measurements or no rise.</summary>
    public static int? LambdaRiseEpoch(IReadOnlyList<EpochSummary> history)
    {
        var measured = history.Where(h => h.Metric(LambdaMaxKey) is { } v && double.IsFinite(v)).Select(h => (h.Epoch, Value: h.Metrics[LambdaMaxKey])).ToList();
        int? best = null;
        var largest = 0.0;
        for (var i = 1; i < measured.Count; i++)
            if (measured[i].Value - measured[i - 1].Value is var rise && rise > largest)
                (largest, best) = (rise, measured[i].Epoch);
        return best;
    }

    /// <summary>Whether some search seed measured λ_max.</summary>
    public static bool HasLambda(ReportInput input) =>
        input.Seeds.Any(s => !s.Status.IsEvaluation && s.History.Any(h => h.Metric(LambdaMaxKey) is { } v && double.IsFinite(v)));

    /// <summary>Every search seed with a history, of the methods whose collapse rule the sweep states, in method then seed order.</summary>
    public static IReadOnlyList<SeedCollapse> Of(ReportInput input) =>
    [
        .. input.Sweep.Spec.Methods.SelectMany(method => input.Sweep.Methods.FirstOrDefault(m => m.Method == method) is not { } rule || rule.CollapseRule.Length == 0
            ? []
            : input.Searches(method).Where(s => s.History.Length > 0).OrderBy(s => s.Status.Seed).Select(s => new SeedCollapse(
                method, s.Status.Seed, s.Status.State, CollapseEpoch(s.History, rule.CollapseRule, rule.CollapseThreshold), s.History[^1].Epoch,
                s.Status.Epochs > 0 ? s.Status.Epochs : s.History[^1].Epoch, LambdaRiseEpoch(s.History), s.Status.AlarmEpoch))),
    ];

    /// <summary>
    /// The Kaplan–Meier estimate of the fraction not yet collapsed: at each epoch t with d collapses among the n seeds still at
    /// risk (collapse or censoring at t or later), S ← S·(1 − d/n). A seed censored at t is still at risk for collapses at t.
    /// </summary>
    public static SurvivalCurve KaplanMeier(string method, IReadOnlyList<SeedCollapse> seeds)
    {
        var steps = new List<SurvivalPoint> { new(0, 1.0) };
        var survival = 1.0;
        foreach (var t in seeds.Where(s => s.Collapsed).Select(s => s.Time).Distinct().Order())
        {
            var atRisk = seeds.Count(s => s.Time >= t);
            var events = seeds.Count(s => s.Collapsed && s.Time == t);
            survival *= 1 - (double)events / atRisk;
            steps.Add(new SurvivalPoint(t, survival));
        }
        var censored = seeds.Where(s => !s.Collapsed).OrderBy(s => s.Time)
            .Select(s => new SurvivalPoint(s.Time, steps.Last(p => p.Epoch <= s.Time).Survival)).ToList();
        return new SurvivalCurve(method, steps, censored, seeds.Count);
    }

    /// <summary>The survival at <paramref name="epoch"/> (after its collapses).</summary>
    public static double At(this SurvivalCurve curve, int epoch) => curve.Steps.Last(p => p.Epoch <= epoch).Survival;
}
