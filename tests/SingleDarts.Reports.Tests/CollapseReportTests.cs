using static SingleDarts.Reports.Tests.CollapseFixtures;

namespace SingleDarts.Reports.Tests;

/// <summary>The collapse analysis and the finals as the report writes them: the survival figure, the per-seed and alarm tables, median per method.</summary>
[Trait("Category", "unit")]
public sealed class CollapseReportTests
{
    [Fact]
    public void The_report_writes_the_survival_figure_and_the_collapse_tables()
    {
        var dir = StabilityReportTests.TempDir();
        var path = StabilityReport.Write(Sweep(AlarmSet(_ => [1, 1, 1, 1, 3, 3, 3, 3, 3, 3])), dir);
        foreach (var ext in new[] { "png", "svg" }) Assert.True(File.Exists(Path.Combine(dir, "figures", $"collapse-survival.{ext}")));
        System.Xml.Linq.XDocument.Load(Path.Combine(dir, "figures", "collapse-survival.svg"));
        var document = Parse(path);
        Assert.Contains(document.QuerySelectorAll("a[href]"), a => a.GetAttribute("href") == "figures/collapse-survival.png");

        var seeds = Rows(document, "method", "seed", "state", "collapse epoch", "last epoch");
        Assert.Equal(
        [
            ["single", "0", "completed", "never", "10", "5", "–"],
            ["single", "1", "completed", "never", "10", "5", "–"],
            ["darts-v1", "0", "completed", "4", "10", "5", "+1"],
            ["darts-v1", "1", "completed", "10", "10", "5", "−5"],
            ["darts-v1", "2", "completed", "5", "10", "5", "0"],
        ], seeds);

        // λ_max recorded: DARTS-ES (the paper's settings: from epoch 10, too late for these 10 epochs) joins the rules
        var alarms = Rows(document, "rule", "single: alarms");
        Assert.Equal(5, alarms.Count);
        Assert.Equal(["DARTS-ES on λ_max: window 5, ratio 0.75, from epoch 10", "0 / 2", "0", "0", "–", "0 / 3", "0", "3", "–", "0 / 5", "0", "3", "–"], alarms[^1]);
    }

    [Fact]
    public void The_alarm_table_has_a_row_per_rule_and_says_which_rule_the_seeds_support()
    {
        var dir = StabilityReportTests.TempDir();
        var document = Parse(StabilityReport.Write(Sweep(AlarmSet()), dir));
        var rows = Rows(document, "rule", "single: alarms", "single: false", "single: missed", "single: median delay", "darts-v1: alarms");
        Assert.Equal(4, rows.Count);
        Assert.Equal(["the sweep's alarm: ≥ the collapse threshold for 2 consecutive epochs", "1 / 2", "1", "0", "–", "2 / 3", "0", "1", "−0.5", "3 / 5", "1", "1", "−0.5"], rows[0]);
        Assert.Equal(["the same, no alarm before 50 % of the epochs", "0 / 2", "0", "0", "–", "2 / 3", "0", "1", "+1", "2 / 5", "0", "1", "+1"], rows[3]);
        var verdict = document.QuerySelectorAll("p.note").Select(p => p.TextContent).Single(t => t.StartsWith("These seeds support", StringComparison.Ordinal));
        Assert.Contains("These seeds support: the same, no alarm before 50 % of the epochs (0 false alarm(s), 1 missed collapse(s) of 5 seeds, median delay +1 epochs).", verdict);
        Assert.Contains("Rule used to pick: among the rules that miss no more collapses than the alarm with no warm-up", verdict);
        Assert.Contains("concludes nothing", verdict);        // 2 and 3 seeds a method
    }

    [Fact]
    public void A_difference_the_bootstrap_interval_shows_but_welchs_test_does_not_is_called_suggestive_not_shown()
    {
        // the headline study's final CIFAR-100-column stand-ins: 10 tight seeds against 5 spread ones (its single vs darts-v2 NB201 accuracies)
        double[] a = [93.615, 94.02, 93.89, 92.135, 92.135, 93.615, 93.615, 93.615, 93.615, 93.615], b = [54.2967, 80.57, 88.56, 92.1733, 88.28];
        var seeds = a.Select((v, i) => Seed("single", i, [1], cifar100: v)).Concat(b.Select((v, i) => Seed("darts-v2", i, [1], cifar100: v))).ToList();
        var ci = Comparison.BootstrapMeanDifference(a, b);
        Assert.True(ci.Low > 0 && Comparison.Welch(a, b)!.P >= 0.05, "the fixture no longer shows the disagreement");
        var text = System.Net.WebUtility.HtmlDecode(File.ReadAllText(StabilityReport.Write(Sweep(seeds), StabilityReportTests.TempDir())));
        Assert.Contains($"Suggestive, not shown: the bootstrap 95 % interval excludes 0 (single higher by {ci.Estimate:F2}) but Welch's test does not (p = 0.141); more seeds would decide.", text);
        Assert.DoesNotContain("single is higher than darts-v2", text);
    }

    [Fact]
    public void A_sweep_whose_alarm_had_a_warm_up_is_replayed_with_it_next_to_no_warm_up_and_the_other_warm_ups()
    {
        var input = Sweep(AlarmSet());
        input = input with { Sweep = input.Sweep with { Spec = input.Sweep.Spec with { AlarmWarmup = 0.5 } } };
        var rows = Rows(Parse(StabilityReport.Write(input, StabilityReportTests.TempDir())), "rule", "single: alarms", "single: false", "single: missed", "single: median delay", "darts-v1: alarms");
        Assert.Equal(["the sweep's alarm: ≥ the collapse threshold for 2 consecutive epochs, no alarm before 50 % of the epochs", "the same, with no warm-up",
            "the same, no alarm before 20 % of the epochs", "the same, no alarm before 30 % of the epochs"], rows.Select(r => r[0]));
        Assert.Equal(["0 / 2", "0", "0", "–", "2 / 3", "0", "1", "+1", "2 / 5", "0", "1", "+1"], rows[0][1..]);
        Assert.Equal(["1 / 2", "1", "0", "–", "2 / 3", "0", "1", "−0.5", "3 / 5", "1", "1", "−0.5"], rows[1][1..]);
    }

    [Fact]
    public void The_finals_list_mean_std_and_median_per_method_for_transfer_accuracies()
    {
        var document = Parse(StabilityReport.Write(Sweep(AlarmSet()), StabilityReportTests.TempDir()));
        var heading = document.QuerySelectorAll("h3").First(h => h.TextContent.StartsWith("NAS-Bench-201 CIFAR-100", StringComparison.Ordinal));
        var table = heading.NextElementSibling!.NextElementSibling!;                // the heading, "higher is better", the table
        var rows = table.QuerySelectorAll("tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent).ToArray()).ToList();
        // single 70, 72; darts-v1 40, 44, 30
        Assert.Equal(["single", "2", "71.00 ± 1.41", "71.00", "70.00 – 72.00"], rows[0]);
        Assert.Equal(["darts-v1", "3", "38.00 ± 7.21", "40.00", "30.00 – 44.00"], rows[1]);
    }
}
