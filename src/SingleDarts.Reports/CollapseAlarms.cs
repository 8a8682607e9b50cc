using System.Globalization;
using SingleDarts.Abstractions;

namespace SingleDarts.Reports;

/// <summary>A collapse alarm the report replays on a seed's recorded history.</summary>
public abstract record AlarmRule(string Name)
{
    /// <summary>The epoch after which the rule raises its alarm on this seed, or null.</summary>
    public abstract int? FirstAlarm(IReadOnlyList<EpochSummary> history, MethodAggregate method, int plannedEpochs);
}

/// <summary>
/// The live collapse alarm (the seed grain's CheckAlarm): the cell at or over <paramref name="Threshold"/> edges of the collapse rule's kind
/// (null: the method's collapse threshold) for <paramref name="Epochs"/> consecutive epochs; with a warm-up, not raised before epoch
/// ⌈<paramref name="WarmupShare"/> · the seed's epochs⌉ (the streak still counts during the warm-up).
/// </summary>
public sealed record StreakAlarm(string Name, int? Threshold, int Epochs, double WarmupShare = 0) : AlarmRule(Name)
{
    public override int? FirstAlarm(IReadOnlyList<EpochSummary> history, MethodAggregate method, int plannedEpochs)
    {
        var threshold = Threshold ?? method.CollapseThreshold;
        var earliest = (int)Math.Ceiling(WarmupShare * plannedEpochs - 1e-9);
        var streak = 0;
        foreach (var epoch in history)
        {
            streak = epoch.Metric(method.CollapseRule) is { } count && count >= threshold ? streak + 1 : 0;
            if (streak >= Epochs && epoch.Epoch >= earliest) return epoch.Epoch;
        }
        return null;
    }
}

/// <summary>DARTS-ES on the recorded λ_max: the alarm is the epoch after which the rule would have stopped the seed.</summary>
public sealed record DartsEsAlarm(string Name, DartsEsRule Rule) : AlarmRule(Name)
{
    public override int? FirstAlarm(IReadOnlyList<EpochSummary> history, MethodAggregate method, int plannedEpochs) => Rule.FirstStop(Lambdas(history));

    /// <summary>λ_max by epoch (index epoch − 1), null where not measured.</summary>
    public static double?[] Lambdas(IReadOnlyList<EpochSummary> history)
    {
        var lambdas = new double?[history.Count == 0 ? 0 : history.Max(h => h.Epoch)];
        foreach (var h in history)
            if (h.Epoch >= 1 && h.Metric(CollapseTimes.LambdaMaxKey) is { } v && double.IsFinite(v)) lambdas[h.Epoch - 1] = v;
        return lambdas;
    }
}

/// <summary>How an alarm did on a group of seeds: how many it raised, on how many seeds that end not collapsed (false), how many collapses it missed, and the median of alarm − collapse epoch.</summary>
public sealed record AlarmScore(int Seeds, int Raised, int FalseAlarms, int Missed, double? MedianDelay);

/// <summary>One rule's scores per method and over all seeds.</summary>
public sealed record AlarmRow(AlarmRule Rule, IReadOnlyDictionary<string, AlarmScore> ByMethod, AlarmScore All);

/// <summary>Which collapse alarm to trust, judged on the sweep's own completed seeds.</summary>
public static class CollapseAlarms
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static readonly double[] WarmupShares = [0.2, 0.3, 0.5];

    /// <summary>
    /// The rules to compare: the sweep's alarm (its threshold and epochs, the space's defaults filled in; when the sweep ran with the alarm
    /// off, the defaults), the same with warm-ups, and DARTS-ES (the sweep's settings, else the paper's) when some seed recorded λ_max.
    /// The streak rules are left out when the export does not say the space's default epochs (older exports).
    /// </summary>
    public static IReadOnlyList<AlarmRule> Rules(ReportInput input)
    {
        var spec = input.Sweep.Spec;
        var rules = new List<AlarmRule>();
        var epochs = spec.AlarmEpochs > 0 ? spec.AlarmEpochs : input.Space.DefaultAlarmEpochs;
        if (epochs > 0)
        {
            int? threshold = spec.AlarmThreshold > 0 ? spec.AlarmThreshold : null;
            var what = $"≥ {(threshold is { } t ? t.ToString(Inv) : "the collapse threshold")} for {epochs} consecutive epochs";
            var warmup = spec.AlarmEpochs == -1 && spec.AlarmWarmup is not null ? SweepSpec.DefaultAlarmWarmup : spec.AlarmWarmupOrNone;
            rules.Add(new StreakAlarm($"{(spec.AlarmEpochs == -1 ? "the default alarm (off in this sweep)" : "the sweep's alarm")}: {what}{Before(warmup)}", threshold, epochs, warmup));
            if (warmup > 0) rules.Add(new StreakAlarm("the same, with no warm-up", threshold, epochs));
            rules.AddRange(WarmupShares.Where(share => share != warmup).Select(share => new StreakAlarm($"the same{Before(share)}", threshold, epochs, share)));
        }
        if (CollapseTimes.HasLambda(input))
        {
            var es = spec.DartsEs is { } d ? new DartsEsRule(d.Window, d.Ratio, d.StartEpoch) : new DartsEsRule();
            rules.Add(new DartsEsAlarm($"DARTS-ES on λ_max: window {es.Window}, ratio {es.Ratio.ToString("G4", Inv)}, from epoch {es.StartEpoch}", es));
        }
        return rules;
    }

    private static string Before(double warmup) => warmup > 0 ? $", no alarm before {(warmup * 100).ToString("F0", Inv)} % of the epochs" : "";

    /// <summary>Every rule scored on the completed search seeds (whose end, collapsed or not, is known).</summary>
    public static IReadOnlyList<AlarmRow> Evaluate(ReportInput input, IReadOnlyList<AlarmRule> rules, IReadOnlyList<SeedCollapse> collapses)
    {
        var seeds = collapses.Where(c => c.State == SeedState.Completed).Select(c =>
                (Collapse: c, History: input.Searches(c.Method).First(s => s.Status.Seed == c.Seed).History, Method: input.Sweep.Methods.First(m => m.Method == c.Method)))
            .ToList();
        return
        [
            .. rules.Select(rule =>
            {
                var alarms = seeds.Select(s => (s.Collapse, Alarm: rule.FirstAlarm(s.History, s.Method, s.Collapse.PlannedEpochs))).ToList();
                var byMethod = alarms.GroupBy(a => a.Collapse.Method).ToDictionary(g => g.Key, g => Score([.. g]));
                return new AlarmRow(rule, byMethod, Score(alarms));
            }),
        ];
    }

    private static AlarmScore Score(IReadOnlyList<(SeedCollapse Collapse, int? Alarm)> seeds)
    {
        var delays = seeds.Where(s => s.Alarm is not null && s.Collapse.Collapsed).Select(s => (double)(s.Alarm!.Value - s.Collapse.CollapseEpoch!.Value)).Order().ToList();
        double? median = delays.Count == 0 ? null : delays.Count % 2 == 1 ? delays[delays.Count / 2] : (delays[delays.Count / 2 - 1] + delays[delays.Count / 2]) / 2;
        return new AlarmScore(seeds.Count, seeds.Count(s => s.Alarm is not null), seeds.Count(s => s.Alarm is not null && !s.Collapse.Collapsed),
            seeds.Count(s => s.Alarm is null && s.Collapse.Collapsed), median);
    }

    /// <summary>
    /// The rule the seeds support: among the rules that miss no more collapses than the streak alarm with no warm-up (without it, than
    /// the rule that misses fewest), the one with the fewest false alarms; ties go to the earlier median detection, then to the table's order.
    /// Null when there is no row.
    /// </summary>
    public static AlarmRow? Pick(IReadOnlyList<AlarmRow> rows)
    {
        if (rows.Count == 0) return null;
        var baseline = rows.FirstOrDefault(r => r.Rule is StreakAlarm { WarmupShare: 0 });
        var allowed = baseline?.All.Missed ?? rows.Min(r => r.All.Missed);
        return rows.Select((r, i) => (Row: r, Index: i)).Where(r => r.Row.All.Missed <= allowed)
            .OrderBy(r => r.Row.All.FalseAlarms).ThenBy(r => r.Row.All.MedianDelay ?? double.PositiveInfinity).ThenBy(r => r.Index).First().Row;
    }
}
