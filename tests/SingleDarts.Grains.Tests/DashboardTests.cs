using System.Text.Json;
using System.Text.Json.Nodes;
using SingleDarts.Hosting.Dashboards;

namespace SingleDarts.Grains.Tests;

/// <summary>The Grafana dashboard is generated from the metric declarations: the committed file is the generator's output.</summary>
[Trait("Category", "unit")]
public sealed class DashboardTests
{
    [Fact]
    public void The_committed_dashboard_is_the_one_singledarts_dashboard_writes()
    {
        var generated = GrafanaDashboard.Build(GrafanaDashboard.Declared());
        var committed = Deploy.Dashboard();
        Assert.True(JsonNode.DeepEquals(generated, committed),
            "deploy/grafana/dashboards/singledarts.json is not the generated dashboard: run `singledarts dashboard -o deploy/grafana/dashboards/singledarts.json`");
    }

    [Fact]
    public void Every_declared_metric_gets_a_band_and_a_per_seed_panel_whose_axis_is_its_declared_range()
    {
        MetricDefinition[] metrics =
        [
            new() { Key = "test.count", Label = "a count", Column = "n", Unit = "edges", Min = 0, Max = 8, Source = "test" },
            new() { Key = "test.share", Label = "a percentage", Column = "%", Unit = "%", Min = 0, Max = 100, Source = "test" },
        ];
        var dashboard = GrafanaDashboard.Build(metrics);
        var panels = dashboard["panels"]!.AsArray().Select(p => p!.AsObject()).ToList();
        foreach (var m in metrics)
        {
            var mine = panels.Where(p => ((string?)p["title"])?.StartsWith(m.Label, StringComparison.Ordinal) == true).ToList();
            Assert.Equal(2, mine.Count);
            Assert.All(mine, p =>
            {
                Assert.Equal(m.Min, (double)p["fieldConfig"]!["defaults"]!["min"]!);
                Assert.Equal(m.Max, (double)p["fieldConfig"]!["defaults"]!["max"]!);
                Assert.All(p["targets"]!.AsArray(), t => Assert.Contains(GrafanaDashboard.PrometheusName(m) + "{", (string)t!["expr"]!));
            });
            Assert.Contains(mine, p => p["targets"]!.AsArray().Count == 3);      // mean, +1 std, −1 std
        }
        Assert.Equal("singledarts_test_share_percent", GrafanaDashboard.PrometheusName(metrics[1]));
        // panels never overlap and never leave the 24 columns
        var cells = new HashSet<(int, int)>();
        foreach (var grid in panels.Select(p => p["gridPos"]!))
            for (var x = (int)grid["x"]!; x < (int)grid["x"]! + (int)grid["w"]!; x++)
                for (var y = (int)grid["y"]!; y < (int)grid["y"]! + (int)grid["h"]!; y++)
                {
                    Assert.InRange(x, 0, 23);
                    Assert.True(cells.Add((x, y)), $"two panels cover ({x}, {y})");
                }
        Assert.Equal(panels.Count, panels.Select(p => (int)p["id"]!).Distinct().Count());
        _ = JsonSerializer.Serialize(dashboard);
    }
}
