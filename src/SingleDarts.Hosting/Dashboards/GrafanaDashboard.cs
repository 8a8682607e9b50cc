using System.Globalization;
using System.Text.Json.Nodes;
using SingleDarts.Search.Measurement;
using SingleDarts.Search.Metrics;
using SingleDarts.Search.Options;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Hosting.Dashboards;

/// <summary>
/// The Grafana dashboard (deploy/grafana/dashboards/singledarts.json, written by <c>singledarts dashboard</c>): the
/// panels every run has (progress, optimisation, collapse alarms, evaluation, throughput, Orleans health, from an
/// embedded template) and, for every declared per-epoch metric, a mean ± std per method and a per-seed panel, their
/// axes inside the metric's declared range. A metric a plug-in registers gets its panels by regenerating the file.
/// </summary>
public static class GrafanaDashboard
{
    private const string MetricsRowTitle = "Per-epoch metrics (declared by spaces, benchmarks and diagnostics)";

    /// <summary>Everything the built-in and registered sources may declare for a search of each registered space.</summary>
    public static IReadOnlyList<MetricDefinition> Declared() =>
        [.. SearchSpaces.All.SelectMany(space => MetricSources.Declared(RunScope.Of(SearchOptions.For(space.Name)) with { Everything = true }))
            .GroupBy(m => m.Key).Select(g => g.First())];

    /// <summary>The dashboard for <paramref name="metrics"/>.</summary>
    public static JsonObject Build(IReadOnlyList<MetricDefinition> metrics)
    {
        using var template = typeof(GrafanaDashboard).Assembly.GetManifestResourceStream("SingleDarts.Hosting.Dashboards.dashboard-template.json")
            ?? throw new InvalidOperationException("the dashboard template is not embedded");
        var dashboard = JsonNode.Parse(template)!.AsObject();
        var panels = dashboard["panels"]!.AsArray().Select(p => p!.DeepClone().AsObject()).ToList();
        var nextId = panels.Max(p => (int)p["id"]!) + 1;
        // the declared metrics' row goes after Optimisation, before the architecture row
        var at = panels.FindIndex(p => ((string?)p["title"])?.StartsWith("Architecture", StringComparison.Ordinal) == true);
        var generated = new List<JsonObject> { Row(nextId++, MetricsRowTitle) };
        foreach (var m in metrics)
        {
            generated.Add(Panel(nextId++, $"{m.Label}, mean ± std per method", m, $"{m.Description} Mean over each method's seeds with a ±1 std band (population std over the seeds reporting now). Declared by the {m.Source}.",
            [
                ($"avg by (method) ({Series(m)})", "{{method}} mean"),
                ($"avg by (method) ({Series(m)}) + stddev by (method) ({Series(m)})", "{{method}} +1 std"),
                ($"avg by (method) ({Series(m)}) - stddev by (method) ({Series(m)})", "{{method}} -1 std"),
            ]));
            generated.Add(Panel(nextId++, $"{m.Label} per seed", m, $"{m.Description} Declared by the {m.Source}.", [(Series(m), "{{method}} seed {{seed}}")]));
        }
        panels.InsertRange(at < 0 ? panels.Count : at, generated);
        Layout(panels);
        dashboard["panels"] = new JsonArray([.. panels]);
        return dashboard;
    }

    /// <summary>The Prometheus name of a declared metric's gauge: its instrument name with '_' for '.', and _percent for a % unit (the exporter's suffix).</summary>
    public static string PrometheusName(MetricDefinition m) =>
        "singledarts_" + m.Key.Replace('.', '_') + (m.Unit == "%" ? "_percent" : "");

    private static string Series(MetricDefinition m) => $"{PrometheusName(m)}{{sweep_id=~\"$sweep\", method=~\"$method\", seed=~\"$seed\", stage=\"\"}}";

    private static JsonObject Row(int id, string title) => new()
    {
        ["type"] = "row", ["title"] = title, ["id"] = id, ["collapsed"] = false, ["gridPos"] = new JsonObject { ["h"] = 1, ["w"] = 24 }, ["panels"] = new JsonArray(),
    };

    private static JsonObject Panel(int id, string title, MetricDefinition m, string description, (string Expr, string Legend)[] targets)
    {
        var defaults = new JsonObject { ["unit"] = m.Unit == "%" ? "percent" : "none", ["decimals"] = m.Decimals };
        if (m.Min is { } min) defaults["min"] = min;
        if (m.Max is { } max) defaults["max"] = max;
        return new JsonObject
        {
            ["type"] = "timeseries",
            ["title"] = title,
            ["id"] = id,
            ["datasource"] = Datasource(),
            ["description"] = description.Trim(),
            ["gridPos"] = new JsonObject { ["h"] = 8, ["w"] = 12 },
            ["targets"] = new JsonArray([.. targets.Select((t, i) => (JsonNode)new JsonObject
            {
                ["datasource"] = Datasource(), ["refId"] = ((char)('A' + i)).ToString(CultureInfo.InvariantCulture), ["expr"] = t.Expr, ["legendFormat"] = t.Legend,
            })]),
            ["fieldConfig"] = new JsonObject { ["defaults"] = defaults, ["overrides"] = new JsonArray() },
            ["options"] = new JsonObject
            {
                ["legend"] = new JsonObject { ["displayMode"] = "list", ["placement"] = "bottom" },
                ["tooltip"] = new JsonObject { ["mode"] = "multi" },
            },
        };
    }

    private static JsonObject Datasource() => new() { ["type"] = "prometheus", ["uid"] = "${datasource}" };

    /// <summary>Places the panels left to right in rows of 24 columns, a row panel starting a new line.</summary>
    private static void Layout(List<JsonObject> panels)
    {
        int x = 0, y = 0, lineHeight = 0;
        foreach (var p in panels)
        {
            var grid = p["gridPos"]!.AsObject();
            int w = (int)grid["w"]!, h = (int)grid["h"]!;
            if ((string?)p["type"] == "row" || x + w > 24)
            {
                y += lineHeight;
                (x, lineHeight) = (0, 0);
            }
            grid["x"] = x;
            grid["y"] = y;
            x += w;
            lineHeight = Math.Max(lineHeight, h);
            if ((string?)p["type"] == "row") (x, y, lineHeight) = (0, y + h, 0);
        }
    }
}
