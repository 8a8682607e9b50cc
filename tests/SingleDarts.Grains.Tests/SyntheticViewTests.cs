using SingleDarts.Abstractions;
using SingleDarts.Cli;
using SingleDarts.Cli.Sweeps;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SingleDarts.Grains.Tests;

/// <summary>The stability table of a sweep on synthetic data: the line above it, and no collapse rate presented as a finding.</summary>
[Trait("Category", "unit")]
public sealed class SyntheticViewTests
{
    private static SweepStatus Sweep(bool synthetic) => ExportFixtures.Status(synthetic) with
    {
        Methods =
        [
            new MethodAggregate { Method = "single", Seeds = 2, Completed = 2, CollapseRate = 1, CollapseThreshold = 4, CountedEdges = 6, CollapseRule = "cell.param_free" },
            new MethodAggregate { Method = "darts-v1", Seeds = 2, Completed = 1, Failed = 1, CollapseRate = 0.5, CollapseThreshold = 4, CountedEdges = 6, CollapseRule = "cell.param_free" },
        ],
    };

    private static string Render(IRenderable renderable)
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Out = new AnsiConsoleOutput(new TrimmedLines(text)) });
        console.Profile.Width = TrimmedLines.Width;      // what a file or pipe gets: the line must not wrap there
        console.Write(renderable);
        return text.ToString();
    }

    [Fact]
    public void On_synthetic_data_the_line_stands_above_the_table_and_the_collapse_column_says_it_means_nothing()
    {
        var shown = Render(SweepViews.Stability(Sweep(synthetic: true)));
        var lines = shown.Split('\n');
        Assert.Equal(SyntheticData.Line, lines[0]);
        Assert.Contains("examples/nb201-cpu-scale.yaml", lines[0]);               // names the real comparison
        Assert.True(shown.IndexOf(SyntheticData.Line, StringComparison.Ordinal) < shown.IndexOf("stability across seeds", StringComparison.Ordinal));
        Assert.Equal(2, lines.Count(l => l.Contains(SyntheticData.NotMeaningful, StringComparison.Ordinal)));   // a row per method
        Assert.DoesNotContain("100%", shown);
        Assert.DoesNotContain("50%", shown);
        // the status view (sweep status, the end of sweep start) is the same table under the same line
        Assert.StartsWith(SyntheticData.Line, Render(SweepViews.Status(Sweep(synthetic: true), new SeedFilter())));
    }

    [Fact]
    public void On_real_data_the_collapse_rates_are_shown_and_nothing_is_said_of_synthetic_data()
    {
        var shown = Render(SweepViews.Stability(Sweep(synthetic: false)));
        Assert.DoesNotContain("synthetic", shown);
        Assert.Contains("100% (≥4/6 param-free)", shown);
        Assert.Contains("50% (≥4/6 param-free)", shown);
    }
}
