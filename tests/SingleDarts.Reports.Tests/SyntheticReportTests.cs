using SingleDarts.Abstractions;
using static SingleDarts.Reports.Tests.CollapseFixtures;

namespace SingleDarts.Reports.Tests;

/// <summary>
/// The report of a sweep on synthetic data says so in its first paragraph, marks its collapse rates and collapse analysis as
/// not meaningful, and names no alarm rule; the same seeds on real data get the usual report.
/// </summary>
[Trait("Category", "unit")]
public sealed class SyntheticReportTests
{
    private static ReportInput Synthetic(bool synthetic)
    {
        var input = Sweep(AlarmSet());
        return input with { Sweep = input.Sweep with { SyntheticData = synthetic, Data = synthetic ? "synthetic" : "cifar10" } };
    }

    [Fact]
    public void The_first_paragraph_says_the_data_is_synthetic_and_names_the_real_comparison()
    {
        var document = Parse(StabilityReport.Write(Synthetic(true), StabilityReportTests.TempDir()));
        var first = document.QuerySelector("body p")!;
        Assert.Equal("warning", first.ClassName);
        Assert.StartsWith("Synthetic data: these figures show the mechanics, not the methods' behaviour", first.TextContent);
        Assert.Contains("examples/nb201-cpu-scale.yaml", first.TextContent);
        Assert.Contains("data synthetic", document.QuerySelectorAll("body p").ElementAt(1).TextContent);
    }

    [Fact]
    public void Collapse_rates_and_alarms_are_marked_not_meaningful_and_no_alarm_rule_is_named()
    {
        var document = Parse(StabilityReport.Write(Synthetic(true), StabilityReportTests.TempDir()));
        var rates = Rows(document, "method", "collapsed / completed", "rate [95 % Wilson interval]");
        Assert.Equal(2, rates.Count);
        Assert.All(rates, r => Assert.EndsWith($"({SyntheticData.NotMeaningful})", r[2]));
        var headings = document.QuerySelectorAll("h2, h3").Select(h => h.TextContent).ToList();
        Assert.Contains($"Collapse rate — {SyntheticData.NotMeaningful}", headings);
        Assert.Contains($"Time to collapse — {SyntheticData.NotMeaningful}", headings);
        Assert.Contains($"Which collapse alarm to trust — {SyntheticData.NotMeaningful}", headings);
        var notes = document.QuerySelectorAll("p.note").Select(p => p.TextContent).ToList();
        Assert.DoesNotContain(notes, n => n.Contains("These seeds support", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("No rule is named", StringComparison.Ordinal) && n.Contains(SyntheticData.NotMeaningful, StringComparison.Ordinal));
    }

    [Fact]
    public void On_real_data_the_report_says_nothing_of_synthetic_data_and_names_the_rule()
    {
        var document = Parse(StabilityReport.Write(Synthetic(false), StabilityReportTests.TempDir()));
        Assert.DoesNotContain("ynthetic", document.Body!.TextContent);
        Assert.Empty(document.QuerySelectorAll("p.warning"));
        Assert.Contains(document.QuerySelectorAll("p.note"), p => p.TextContent.StartsWith("These seeds support", StringComparison.Ordinal));
    }
}
