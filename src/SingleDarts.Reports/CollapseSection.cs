using System.Globalization;
using SingleDarts.Abstractions;

namespace SingleDarts.Reports;

/// <summary>The report's collapse analysis: time to collapse per seed and method, and which collapse alarm the sweep's seeds support.</summary>
internal static class CollapseSection
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Write(ReportHtml html, ReportInput input, string figures, string[] methods, ReportOptions options)
    {
        var seeds = CollapseTimes.Of(input);
        var synthetic = input.Sweep.SyntheticData;
        html.Heading(2, synthetic ? $"Time to collapse — {SyntheticData.NotMeaningful}" : "Time to collapse");
        if (seeds.Count == 0)
        {
            html.Paragraph("No search seed has an epoch yet (or the sweep states no collapse rule): there is no time to collapse to show.");
            return;
        }
        html.Paragraph("A seed has collapsed at epoch e when its cell meets the sweep's collapse rule (see the collapse rate above) at every epoch " +
                       "from e to its last: a seed that collapses and recovers is not collapsed then. A seed that does not meet the rule at its last " +
                       "epoch is censored there (running, failed and cancelled seeds included: their end is not known).");
        var curves = methods.Select(m => (Method: m, Seeds: seeds.Where(s => s.Method == m).ToList())).Where(g => g.Seeds.Count > 0)
            .Select(g => CollapseTimes.KaplanMeier(g.Method, g.Seeds)).ToList();
        html.Figure(SurvivalPlot.Draw(curves, methods, figures), SurvivalPlot.Name,
            "Kaplan–Meier estimate of the fraction of seeds not yet collapsed, per method: each step down is a collapse; crosses mark seeds censored (never collapsed) at their last epoch.");

        var lambda = seeds.Any(s => s.LambdaRiseEpoch is not null);
        var live = seeds.Any(s => s.LiveAlarmEpoch is not null);
        List<string> header = ["method", "seed", "state", "collapse epoch", "last epoch"];
        if (live) header.Add("live alarm after epoch");
        if (lambda) header.AddRange(["λ_max's largest rise at epoch", "rise − collapse (epochs)"]);
        html.Table(header, seeds.Select(s =>
        {
            List<string> row = [s.Method, s.Seed.ToString(Inv), s.State.ToString().ToLowerInvariant(), s.CollapseEpoch is { } c ? c.ToString(Inv) : "never", s.LastEpoch.ToString(Inv)];
            if (live) row.Add(s.LiveAlarmEpoch?.ToString(Inv) ?? "–");
            if (lambda) row.AddRange([s.LambdaRiseEpoch?.ToString(Inv) ?? "–", s.LambdaRiseEpoch is { } r && s.CollapseEpoch is { } e ? Signed(r - e) : "–"]);
            return row;
        }), lambda ? "λ_max's largest rise: the later epoch of the largest increase between two consecutive measured epochs; a negative difference means the curvature jumped before the cell collapsed." : null);

        Alarms(html, input, seeds, methods, options);
    }

    private static void Alarms(ReportHtml html, ReportInput input, IReadOnlyList<SeedCollapse> seeds, string[] methods, ReportOptions options)
    {
        html.Heading(2, input.Sweep.SyntheticData ? $"Which collapse alarm to trust — {SyntheticData.NotMeaningful}" : "Which collapse alarm to trust");
        var rules = CollapseAlarms.Rules(input);
        var completed = seeds.Count(s => s.State == SeedState.Completed);
        if (rules.Count == 0 || completed == 0)
        {
            html.Paragraph(completed == 0
                ? "No search seed has completed: whether a seed ends collapsed is not known yet, so no alarm can be judged."
                : "No rule to judge: this export does not record the alarm's default epochs for the space, and no seed recorded λ_max.");
            return;
        }
        var rows = CollapseAlarms.Evaluate(input, rules, seeds);
        html.Paragraph($"Each rule replayed on the recorded history of the {completed} completed search seed(s), as if it had been the alarm. " +
                       "False alarm: an alarmed seed that ends not collapsed. Missed: a seed that ends collapsed with no alarm. Delay: the alarm's epoch " +
                       "minus the collapse epoch above (negative: the alarm came before the collapse, which is what an alarm is for); the median over " +
                       "the seeds that collapsed and were alarmed.");
        var groups = methods.Where(m => rows.Any(r => r.ByMethod.ContainsKey(m))).ToList();
        List<string> header = ["rule"];
        foreach (var g in groups.Append("all"))
            header.AddRange([$"{g}: alarms", $"{g}: false", $"{g}: missed", $"{g}: median delay"]);
        var pick = CollapseAlarms.Pick(rows)!;
        html.Table(header, rows.Select(r =>
        {
            List<string> row = [r.Rule.Name];
            foreach (var score in groups.Select(g => r.ByMethod[g]).Append(r.All))
                row.AddRange([$"{score.Raised} / {score.Seeds}", score.FalseAlarms.ToString(Inv), score.Missed.ToString(Inv), score.MedianDelay is { } d ? Signed(d) : "–"]);
            return row;
        }), input.Sweep.SyntheticData
            ? $"No rule is named: alarms replayed on seeds searched on synthetic data are {SyntheticData.NotMeaningful} (α barely moves there); run the comparison on real data to choose one."
            : Verdict(rows, pick, groups.Min(g => rows[0].ByMethod[g].Seeds) < options.MinSeedsToConclude));
    }

    private static string Verdict(IReadOnlyList<AlarmRow> rows, AlarmRow pick, bool few)
    {
        var current = rows.Any(r => r.Rule is StreakAlarm { WarmupShare: 0 });
        var rule = current
            ? "Rule used to pick: among the rules that miss no more collapses than the alarm with no warm-up, the fewest false alarms; ties go to the earlier median detection, then to the first listed."
            : "Rule used to pick: among the rules that miss the fewest collapses, the fewest false alarms; ties go to the earlier median detection, then to the first listed.";
        var same = rows.All(r => r.All == rows[0].All);
        var supports = same
            ? $"These seeds do not tell the rules apart (every rule scores the same); the first listed stands: {pick.Rule.Name}."
            : $"These seeds support: {pick.Rule.Name} ({pick.All.FalseAlarms} false alarm(s), {pick.All.Missed} missed collapse(s) of {pick.All.Seeds} seeds" +
              (pick.All.MedianDelay is { } d ? $", median delay {Signed(d)} epochs)." : ").");
        return few ? $"{supports} {rule} Some method has fewer than 5 completed seeds: this describes these seeds and concludes nothing." : $"{supports} {rule}";
    }

    private static string Signed(double v) => v.ToString(v == Math.Floor(v) ? "+0;−0;0" : "+0.0;−0.0;0", Inv);
}
