using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// The dashboard's queries run by a real Prometheus (Debian's package) scraping a local sweep that raises a collapse
/// alarm and has an evaluation stage, as Grafana would run them: every panel the sweep feeds has data, the alarm
/// shows, search and evaluation seeds stay apart. Skipped, saying so, where Prometheus is not installed.
/// </summary>
[Trait("Category", "integration")]
public sealed partial class DashboardPrometheusTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Scrape = TimeSpan.FromSeconds(1);
    private const int SearchEpochs = 3, EvaluationEpochs = 4;

    /// <summary>Series this sweep legitimately lacks, and why: their panels are not asked for data.</summary>
    private static readonly Dictionary<string, string> NotFed = new()
    {
        ["singledarts_nb201_cifar10_percent"] = "a CIFAR-10 search does not repeat its ranking dataset's accuracy as a transfer figure",
        ["orleans_scheduler_long_running_turns_total"] = "Orleans reports long-running turns only after the first one",
    };

    [SkippableFact]
    public async Task Every_panel_fed_by_a_sweep_with_an_alarm_and_an_evaluation_stage_has_data_in_a_real_prometheus()
    {
        Skip.If(PrometheusServer.Binary is null,
            "prometheus is not installed (Debian: apt-get install prometheus, as root): the dashboard's queries were not run by Prometheus");
        var dir = Tiny.TempDir();
        var id = Tiny.NewId("dash");
        var spec = Path.Combine(dir, "spec.yaml");
        File.WriteAllText(spec, $"""
            name: dashboard
            id: {id}
            collapse_rule: param_free
            collapse_alarm:
              threshold: 1
              epochs: 1
              warmup: 0
            methods: [single]
            seeds: [0, 1]
            search:
              channels: 2
              cells: 1
              image_size: 8
              train_size: 1024
              synthetic_classes: 4
              batch_size: 16
              threads: 1
              epochs: {SearchEpochs}
              nb201: {TinySearch.Nb201Table()}
            evaluate:
              epochs: {EvaluationEpochs}
              channels: 2
              cells: 1
              batch_size: 8
            """);
        var metricsPort = CliProcess.FreePort();
        using var prometheus = new PrometheusServer($"127.0.0.1:{metricsPort}", Scrape);
        var from = DateTimeOffset.UtcNow;
        using (var sweep = CliProcess.Start($"sweep start -f {spec} --report off --local --gateway localhost:{CliProcess.FreePort()} " +
                                            $"--silo-port {CliProcess.FreePort()} --runs {dir}/runs --metrics 127.0.0.1:{metricsPort}"))
        {
            // the local sweep's endpoint stays up 11 s after the end for the last scrapes
            var (exit, stdout, stderr) = sweep.WaitForExit(TimeSpan.FromMinutes(5));
            Assert.True(exit == 0, stdout + stderr);
            Assert.Contains("metrics: the endpoint stays up", stderr);
        }
        var to = DateTimeOffset.UtcNow;
        Assert.False(prometheus.HasExited, prometheus.Output);
        var dashboard = Deploy.Dashboard();

        // the variables offer this sweep, its method and its seeds
        foreach (var variable in dashboard["templating"]!["list"]!.AsArray().Where(v => (string?)v!["type"] == "query"))
        {
            var call = LabelValuesCall().Match((string)variable!["definition"]!);
            Assert.True(call.Success, (string?)variable["definition"]);
            var values = await prometheus.LabelValues(Substitute(call.Groups[1].Value, id), call.Groups[2].Value, from, to);
            string[] expected = (string)variable["name"]! switch { "sweep" => [id], "method" => ["single"], _ => ["0", "1"] };
            Assert.Equal(expected, values.Order());
        }

        // every panel's every target has data, unless it reads a series this sweep does not feed
        var missing = new List<string>();
        var notFed = new SortedSet<string>();
        var results = new Dictionary<string, List<(JsonObject Labels, double[] Values)>>();
        foreach (var panel in dashboard["panels"]!.AsArray().Where(p => p!["targets"] is not null))
            foreach (var target in panel!["targets"]!.AsArray())
            {
                var (title, expr) = ((string)panel["title"]!, Substitute((string)target!["expr"]!, id));
                if (NotFed.Keys.FirstOrDefault(expr.Contains) is { } unfed)
                {
                    notFed.Add($"not fed: '{title}' ({NotFed[unfed]})");
                    continue;
                }
                var series = await prometheus.QueryRange(expr, from, to, Scrape);
                results[$"{title}/{target["refId"]}"] = series;
                output.WriteLine($"{series.Count,3} series, {series.Sum(s => s.Values.Length),5} points: '{title}' {target["refId"]}");
                if (!series.Any(s => s.Values.Length > 0)) missing.Add($"'{title}' ({target["refId"]}): {expr}");
            }
        foreach (var line in notFed) output.WriteLine(line);
        Assert.True(missing.Count == 0, $"panels without data:\n{string.Join("\n", missing)}");

        // the alarm: a series per search seed (published at 0 when it started), at 1 from an alarmed seed's alarm on
        var alarms = results.Single(r => r.Key.StartsWith("Collapse alarms", StringComparison.Ordinal)).Value;
        Assert.Equal(2, alarms.Count);
        Assert.Contains(alarms, s => s.Values.Max() == 1);
        foreach (var s in await prometheus.QueryRange($"singledarts_collapse_alarms_total{{sweep_id=\"{id}\"}}", from, to, Scrape))
            output.WriteLine($"alarm counter of seed {s.Labels["seed"]} {s.Labels["stage"]}: first sample {s.Values[0]}, last {s.Values[^1]}");
        var annotation = dashboard["annotations"]!["list"]!.AsArray().Single(a => (string?)a!["name"] == "Collapse alarms")!;
        var marks = await prometheus.QueryRange(Substitute((string)annotation["expr"]!, id), from, to, Scrape);      // at the scrape interval: a sweep of seconds fits between two 30 s steps
        Assert.Equal(alarms.Count(s => s.Values.Max() == 1), marks.Count);

        // search panels count search seeds only; evaluation panels show the evaluation's
        var completed = results["Seeds by state/A"].Single(s => (string?)s.Labels["state"] == "completed");
        Assert.Equal(2, completed.Values.Max());
        Assert.Equal(SearchEpochs, results["Epoch per seed/A"].Max(s => s.Values.Max()));
        Assert.All(results["Epoch per seed/A"], s => Assert.Null(s.Labels["stage"]));
        Assert.All(results["Test accuracy per seed (evaluation)/A"], s => Assert.Equal("evaluate", (string?)s.Labels["stage"]));
        Assert.Equal(2, results["Test accuracy per seed (evaluation)/A"].Count);
    }

    /// <summary>A target as Grafana sends it: this sweep, every method and seed, a 1 s step and 4 scrapes per rate window.</summary>
    private static string Substitute(string expr, string sweepId) => expr
        .Replace("$sweep", sweepId, StringComparison.Ordinal)
        .Replace("$method", ".*", StringComparison.Ordinal)
        .Replace("$seed", ".*", StringComparison.Ordinal)
        .Replace("$__rate_interval", $"{4 * Scrape.TotalSeconds}s", StringComparison.Ordinal)
        .Replace("$__interval", $"{Scrape.TotalSeconds}s", StringComparison.Ordinal);

    [GeneratedRegex(@"^label_values\((.+), *(\w+)\)$")]
    private static partial Regex LabelValuesCall();
}
