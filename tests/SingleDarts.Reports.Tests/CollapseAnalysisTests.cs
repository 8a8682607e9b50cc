using SingleDarts.Abstractions;
using static SingleDarts.Reports.Tests.CollapseFixtures;

namespace SingleDarts.Reports.Tests;

/// <summary>Time to collapse (the rule held to the end, Kaplan–Meier with censoring) and the replayed collapse alarms, against hand computations.</summary>
[Trait("Category", "unit")]
public sealed class CollapseAnalysisTests
{
    private static readonly MethodAggregate Method = new() { Method = "m", CollapseRule = Rule, CollapseThreshold = 4, CountedEdges = 6 };

    private static int? CollapseEpoch(params int[] counts) => CollapseTimes.CollapseEpoch(Seed("m", 0, counts).History, Rule, 4);

    [Fact]
    public void A_seed_has_collapsed_from_the_first_epoch_of_its_final_run_at_or_over_the_threshold()
    {
        Assert.Equal(4, CollapseEpoch(4, 4, 1, 4, 5));         // collapsed at 1, recovered at 3: not collapsed at 1
        Assert.Null(CollapseEpoch(4, 4, 4, 2));                // recovered at the end: never (censored)
        Assert.Equal(1, CollapseEpoch(5, 6, 4));
        Assert.Equal(3, CollapseEpoch(0, 3, 4));
        Assert.Null(CollapseEpoch(0, 0, 0));
        Assert.Null(CollapseTimes.CollapseEpoch([new EpochSummary { Epoch = 1 }], Rule, 4));   // no count recorded: not collapsed
    }

    [Fact]
    public void The_kaplan_meier_curve_matches_a_hand_computation_with_censored_seeds()
    {
        var input = Sweep(
        [
            Seed("m", 0, [0, 0, 4, 4, 4, 4, 4, 4, 4, 4]),                          // collapses at 3
            Seed("m", 1, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),                          // censored at 10
            Seed("m", 2, [0, 0, 0, 0, 0, 4, 4, 4, 4, 4]),                          // collapses at 6
            Seed("m", 3, [0, 0, 0, 0], state: SeedState.Running, planned: 10),     // censored at 4
            Seed("m", 4, [4, 0, 0, 0, 0, 4, 4, 4, 4, 4]),                          // collapses at 6 (epoch 1 does not count)
            Seed("m", 5, [0, 0, 0, 0, 0, 0], state: SeedState.Failed, planned: 10),// censored at 6: at risk for the collapses at 6
        ]);
        var seeds = CollapseTimes.Of(input);
        Assert.Equal([3, null, 6, null, 6, null], seeds.Select(s => s.CollapseEpoch));
        var curve = CollapseTimes.KaplanMeier("m", seeds);
        // t = 3: 6 at risk, 1 collapses → 5/6; t = 6: 4 at risk (seeds 1, 2, 4, 5), 2 collapse → 5/6 · 2/4
        Assert.Equal([0, 3, 6], curve.Steps.Select(p => p.Epoch));
        Assert.Equal(1.0, curve.Steps[0].Survival);
        Assert.Equal(5.0 / 6, curve.Steps[1].Survival, 12);
        Assert.Equal(5.0 / 12, curve.Steps[2].Survival, 12);
        // censored seeds sit on the curve where they leave it
        Assert.Equal([4, 6, 10], curve.Censored.Select(p => p.Epoch));
        Assert.Equal(5.0 / 6, curve.Censored[0].Survival, 12);
        Assert.Equal(5.0 / 12, curve.Censored[1].Survival, 12);
        Assert.Equal(5.0 / 12, curve.Censored[2].Survival, 12);
        Assert.Equal(5.0 / 12, curve.At(9), 12);
        Assert.Equal(6, curve.Seeds);
    }

    [Fact]
    public void The_largest_rise_of_lambda_max_is_the_later_epoch_of_the_largest_increase_between_measured_epochs()
    {
        var seed = Seed("m", 0, [0, 0, 0, 0, 0, 0], [1.0, null, 2.0, 6.0, null, 6.5]);
        Assert.Equal(4, CollapseTimes.LambdaRiseEpoch(seed.History));          // +1 (1→3), +4 (3→4), +0.5 (4→6)
        Assert.Null(CollapseTimes.LambdaRiseEpoch(Seed("m", 0, [0, 0], [1.0]).History));
        Assert.Null(CollapseTimes.LambdaRiseEpoch(Seed("m", 0, [0, 0, 0], [3.0, 2.0, 1.0]).History));   // no rise
    }

    [Fact]
    public void The_alarm_table_counts_a_false_alarm_a_missed_collapse_and_the_delays_by_hand()
    {
        var input = Sweep(AlarmSet());
        var seeds = CollapseTimes.Of(input);
        Assert.Equal([null, null, 4, 10, 5], seeds.Select(s => s.CollapseEpoch));
        var rows = CollapseAlarms.Evaluate(input, CollapseAlarms.Rules(input), seeds);
        Assert.Equal(4, rows.Count);                                            // the alarm and three warm-ups; no λ_max, no DARTS-ES
        var current = rows[0];
        Assert.Equal(new AlarmScore(5, 3, 1, 1, -0.5), current.All);            // delays +1 (4 → 5) and −2 (5 ← 3)
        Assert.Equal(new AlarmScore(2, 1, 1, 0, null), current.ByMethod["single"]);
        Assert.Equal(new AlarmScore(3, 2, 0, 1, -0.5), current.ByMethod["darts-v1"]);
        // a warm-up of 20 % or 30 % (no alarm before epoch 2 or 3) still lets the blip at epoch 3 through; 50 % holds it back
        Assert.Equal(current.All, rows[1].All);
        Assert.Equal(current.All, rows[2].All);
        Assert.Equal(new AlarmScore(5, 2, 0, 1, 1), rows[3].All);               // darts-v1/2 now alarmed at 6, one epoch after its collapse
        Assert.Same(rows[3], CollapseAlarms.Pick(rows));                        // fewer false alarms, no more missed
    }

    [Fact]
    public void A_warm_up_suppresses_an_early_alarm_that_the_plain_rule_raises()
    {
        var blip = Seed("m", 0, [4, 4, 4, 0, 0, 0, 0, 0, 0, 0]).History;
        Assert.Equal(2, new StreakAlarm("plain", null, 2).FirstAlarm(blip, Method, 10));
        Assert.Null(new StreakAlarm("warm-up", null, 2, 0.5).FirstAlarm(blip, Method, 10));
        // the streak counts during the warm-up: collapsed since epoch 1, the alarm comes at the first epoch allowed
        var early = Seed("m", 0, [4, 4, 4, 4, 4, 4, 4, 4, 4, 4]).History;
        Assert.Equal(5, new StreakAlarm("warm-up", null, 2, 0.5).FirstAlarm(early, Method, 10));
        Assert.Equal(3, new StreakAlarm("warm-up", null, 2, 0.3).FirstAlarm(early, Method, 10));
    }

    [Fact]
    public void Darts_es_is_judged_only_when_some_seed_recorded_lambda_max()
    {
        Assert.DoesNotContain(CollapseAlarms.Rules(Sweep(AlarmSet())), r => r is DartsEsAlarm);
        // λ_max doubles at epoch 5 on every seed: with window 2 from epoch 1, DARTS-ES stops after epoch 5 (λ̄(3) = 1, λ̄(5) = 2)
        var input = Sweep(AlarmSet(_ => [1, 1, 1, 1, 3, 3, 3, 3, 3, 3]), dartsEs: new DartsEsSpec { Window = 2, Ratio = 0.75, StartEpoch = 1 });
        var rules = CollapseAlarms.Rules(input);
        var es = Assert.IsType<DartsEsAlarm>(rules[^1]);
        Assert.Equal("DARTS-ES on λ_max: window 2, ratio 0.75, from epoch 1", es.Name);
        var row = CollapseAlarms.Evaluate(input, rules, CollapseTimes.Of(input))[^1];
        Assert.Equal(new AlarmScore(5, 5, 2, 0, 0), row.All);                   // delays +1 (4), −5 (10), 0 (5): median 0
        // without the sweep's settings, the paper's: 5 epochs from epoch 10 — too late for 10 epochs
        Assert.Equal(new DartsEsRule(5, 0.75, 10), Assert.IsType<DartsEsAlarm>(CollapseAlarms.Rules(Sweep(AlarmSet(_ => [1, 2]))).Last()).Rule);
    }

    [Fact]
    public void Without_the_spaces_default_epochs_an_older_export_judges_only_what_it_can()
    {
        Assert.Empty(CollapseAlarms.Rules(Sweep(AlarmSet(), alarmEpochs: 0, defaultAlarmEpochs: 0)));
        Assert.Equal(4, CollapseAlarms.Rules(Sweep(AlarmSet(), alarmEpochs: 0, defaultAlarmEpochs: 3)).Count);
        Assert.StartsWith("the default alarm (off in this sweep)", CollapseAlarms.Rules(Sweep(AlarmSet(), alarmEpochs: -1, defaultAlarmEpochs: 3))[0].Name);
    }
}
