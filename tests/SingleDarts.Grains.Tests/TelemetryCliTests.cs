using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SingleDarts.Tests;
using YamlDotNet.Serialization;

namespace SingleDarts.Grains.Tests;

/// <summary>The Prometheus endpoint of a local sweep, scraped for real, and the deploy/ configs and dashboard held against it.</summary>
[Trait("Category", "integration")]
public sealed partial class TelemetryCliTests
{
    /// <summary>The Prometheus families the code serves (names as the OpenTelemetry Prometheus exporter spells them).</summary>
    private static readonly string[] Families =
    [
        "singledarts_seeds", "singledarts_seed_epoch", "singledarts_seed_epochs", "singledarts_seed_step",
        "singledarts_train_loss", "singledarts_train_accuracy", "singledarts_valid_accuracy",
        // the declared metrics of an nb201 search on CIFAR-10-sized data with a table (its CIFAR-10 transfer figure is the ranking one: not repeated)
        "singledarts_nb201_test_acc_percent", "singledarts_nb201_rank", "singledarts_nb201_cifar100_percent", "singledarts_nb201_imagenet16_120_percent",
        "singledarts_alpha_entropy", "singledarts_cell_param_free", "singledarts_cell_skip_connect", "singledarts_cell_op_share",
        "singledarts_step_duration_seconds", "singledarts_train_images_total", "singledarts_train_throughput_per_second",
        "singledarts_checkpoint_write_duration_seconds", "singledarts_checkpoint_write_size_bytes_total",
        "singledarts_sweep_state_write_size_bytes", "singledarts_test_accuracy", "singledarts_collapse_alarms_total",
    ];

    [Fact]
    public async Task A_local_sweep_serves_every_singledarts_family_on_loopback_and_the_dashboard_queries_only_served_names()
    {
        var dir = Tiny.TempDir();
        var spec = Path.Combine(dir, "spec.yaml");
        File.WriteAllText(spec, $"""
            name: scrape
            id: scrape-test
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
              train_size: 512
              synthetic_classes: 4
              batch_size: 16
              threads: 1
              epochs: 3
              nb201: {TinySearch.Nb201Table()}
            evaluate:
              epochs: 4
              channels: 2
              cells: 1
              batch_size: 8
            """);
        var port = CliProcess.FreePort();
        using var local = CliProcess.Start($"sweep start -f {spec} --report off --local --gateway localhost:{CliProcess.FreePort()} " +
            $"--silo-port {CliProcess.FreePort()} --runs {dir}/runs --metrics 127.0.0.1:{port}");

        // scrape as Prometheus would, every 100 ms, while the sweep runs (the step gauge exists only then)
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var served = new Dictionary<string, string>();      // family -> type
        var samples = new HashSet<string>();
        var until = DateTime.UtcNow.AddMinutes(5);
        while (!local.HasExited && DateTime.UtcNow < until)
        {
            try
            {
                var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
                foreach (Match m in TypeLine().Matches(text)) served[m.Groups[1].Value] = m.Groups[2].Value;
                foreach (Match m in SampleLine().Matches(text)) samples.Add(m.Groups[1].Value);
            }
            catch (HttpRequestException)
            {
                // not up yet, or already gone
            }
            await Task.Delay(100);
        }
        var (exit, stdout, stderr) = local.WaitForExit(TimeSpan.FromMinutes(1));
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains($"metrics: http://127.0.0.1:{port}/metrics", stderr);

        foreach (var family in Families) Assert.True(served.ContainsKey(family), $"{family} was never served; served: {string.Join(", ", served.Keys.Order())}");
        Assert.Equal("histogram", served["singledarts_step_duration_seconds"]);
        Assert.Equal("counter", served["singledarts_train_images_total"]);
        Assert.Equal("gauge", served["singledarts_valid_accuracy"]);
        Assert.Contains("orleans_catalog_activations", samples);     // Orleans' own meter is exported too

        // the endpoint listens on loopback only
        Assert.Equal(SocketError.ConnectionRefused, ConnectError(Deploy.NonLoopbackAddress(), port));

        // the dashboard queries only names the endpoint served, or Orleans instruments that report only after their first event
        var dashboard = Deploy.Dashboard();
        var queried = Deploy.Expressions(dashboard).SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet();
        Assert.Contains("singledarts_cell_op_share", queried);
        var orleansInstruments = Deploy.OrleansInstrumentNames();
        // a declared metric this data does not measure (the CIFAR-10 transfer figure of a CIFAR-10 search) is emitted by other searches
        var declared = Hosting.Dashboards.GrafanaDashboard.Declared().Select(Hosting.Dashboards.GrafanaDashboard.PrometheusName).ToHashSet();
        Assert.Equal(["singledarts_nb201_cifar10_percent"], declared.Where(n => !samples.Contains(n)));
        foreach (var name in queried.Where(n => !samples.Contains(n) && !declared.Contains(n)))
            Assert.True(name.StartsWith("orleans_", StringComparison.Ordinal) && orleansInstruments.Contains(Deploy.OrleansInstrument(name)),
                $"the dashboard queries {name}, which the code does not emit");
    }

    [Fact]
    public void A_metrics_endpoint_that_cannot_be_served_is_one_clear_error()
    {
        var dir = Tiny.TempDir();
        var spec = Path.Combine(dir, "spec.yaml");
        File.WriteAllText(spec, "methods: [single]\nseeds: [0]\nsearch:\n  epochs: 1\n  train_size: 64\n  image_size: 8\n  channels: 2\n  cells: 1\n");
        using var taken = new TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var (exit, _, stderr) = CliProcess.Run($"sweep start -f {spec} --report off --local --gateway localhost:{CliProcess.FreePort()} --silo-port {CliProcess.FreePort()} --runs {dir}/runs --metrics 127.0.0.1:{port}");
        Assert.Equal(1, exit);
        Assert.Equal($"error: --metrics: metrics endpoint http://127.0.0.1:{port}/metrics is in use (another silo or local sweep?): choose another port", stderr.Trim());

        (exit, _, stderr) = CliProcess.Run($"sweep start -f {spec} --report off --local --metrics 127.0.0.1:http");
        Assert.Equal(2, exit);
        Assert.Equal("error: --metrics: expected HOST:PORT or 'off', got '127.0.0.1:http'", stderr.Trim());
    }

    private static SocketError ConnectError(System.Net.IPAddress? address, int port)
    {
        if (address is null) return SocketError.ConnectionRefused;     // no other interface to try
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(address, port);
            return SocketError.Success;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode;
        }
    }

    [GeneratedRegex(@"^# TYPE (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", RegexOptions.Multiline)]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"\b(?:singledarts|orleans)_[a-z0-9_]+")]
    private static partial Regex MetricName();
}

/// <summary>The deploy/ folder: collector, Prometheus and Grafana configs and the dashboard, checked for consistency.</summary>
[Trait("Category", "integration")]
public sealed class DeployConfigTests
{
    [Fact]
    public void The_collector_takes_otlp_and_serves_prometheus_which_prometheus_scrapes()
    {
        var collector = Deploy.Yaml("otel-collector/config.yaml");
        var receivers = Map(collector, "receivers");
        var exporters = Map(collector, "exporters");
        var processors = Map(collector, "processors");
        var protocols = Map(Map(receivers, "otlp"), "protocols");
        Assert.EndsWith(":4317", (string)Map(protocols, "grpc")["endpoint"]);
        Assert.EndsWith(":4318", (string)Map(protocols, "http")["endpoint"]);
        var pipelines = Map(Map(collector, "service"), "pipelines");
        Assert.Contains("metrics", pipelines.Keys);
        Assert.Contains("traces", pipelines.Keys);
        foreach (var (name, body) in pipelines)
        {
            var pipeline = (Dictionary<object, object>)body;
            Assert.All(List(pipeline, "receivers"), r => Assert.Contains(r, receivers.Keys));
            Assert.All(List(pipeline, "processors"), p => Assert.Contains(p, processors.Keys));
            Assert.All(List(pipeline, "exporters"), e => Assert.Contains(e, exporters.Keys));
            if ((string)name == "metrics") Assert.Contains("prometheus", List(pipeline, "exporters"));
        }
        var prometheusPort = ((string)Map(exporters, "prometheus")["endpoint"]).Split(':')[^1];

        var prometheus = Deploy.Yaml("prometheus/prometheus.yml");
        var targets = ((List<object>)prometheus["scrape_configs"]).Cast<Dictionary<object, object>>()
            .SelectMany(job => ((List<object>)job["static_configs"]).Cast<Dictionary<object, object>>())
            .SelectMany(c => List(c, "targets")).ToList();
        Assert.Contains($"otel-collector:{prometheusPort}", targets);
    }

    [Fact]
    public void Grafana_provisions_the_prometheus_datasource_and_the_dashboard_folder()
    {
        var datasource = ((List<object>)Deploy.Yaml("grafana/provisioning/datasources/prometheus.yaml")["datasources"]).Cast<Dictionary<object, object>>().Single();
        Assert.Equal("prometheus", datasource["type"]);
        Assert.StartsWith("http://prometheus:9090", (string)datasource["url"]);
        var provider = ((List<object>)Deploy.Yaml("grafana/provisioning/dashboards/singledarts.yaml")["providers"]).Cast<Dictionary<object, object>>().Single();
        Assert.Equal("file", provider["type"]);
        Assert.False(string.IsNullOrWhiteSpace((string)Map(provider, "options")["path"]));
    }

    [Fact]
    public void The_dashboard_has_the_sweep_and_seed_variables_the_five_rows_and_well_formed_panels()
    {
        var dashboard = Deploy.Dashboard();
        var variables = dashboard["templating"]!["list"]!.AsArray().Select(v => (string)v!["name"]!).ToList();
        Assert.Contains("sweep", variables);
        Assert.Contains("seed", variables);
        Assert.Contains("method", variables);
        var panels = dashboard["panels"]!.AsArray().Select(p => p!.AsObject()).ToList();
        var rows = panels.Where(p => (string?)p["type"] == "row").Select(p => (string)p["title"]!).ToList();
        foreach (var row in new[] { "Progress", "Optimisation", "Architecture", "Throughput", "Orleans health" })
            Assert.Contains(rows, r => r.StartsWith(row, StringComparison.Ordinal));
        Assert.Equal(panels.Count, panels.Select(p => (int)p["id"]!).Distinct().Count());
        foreach (var panel in panels.Where(p => (string?)p["type"] != "row"))
        {
            var grid = panel["gridPos"]!;
            Assert.True((int)grid["x"]! + (int)grid["w"]! <= 24, $"panel '{panel["title"]}' is wider than the dashboard");
            var targets = panel["targets"]!.AsArray();
            Assert.NotEmpty(targets);
            foreach (var target in targets)
            {
                var expr = (string)target!["expr"]!;
                Assert.False(string.IsNullOrWhiteSpace(expr));
                foreach (var (open, close) in new[] { ('(', ')'), ('{', '}'), ('[', ']') })
                    Assert.True(expr.Count(c => c == open) == expr.Count(c => c == close), $"unbalanced {open}{close} in '{expr}'");
            }
        }
        // the collapse view: op shares per method; every declared metric (param-free count, α entropy, …) per method with its band and per seed
        var exprs = Deploy.Expressions(dashboard).ToList();
        Assert.Contains(exprs, e => e.Contains("avg by (method, op) (singledarts_cell_op_share", StringComparison.Ordinal));
        Assert.Contains(exprs, e => e.Contains("stddev by (method) (singledarts_cell_param_free{", StringComparison.Ordinal));
        Assert.Contains(exprs, e => e.Contains("singledarts_alpha_entropy", StringComparison.Ordinal));
        // the collapse alarms: a panel and an annotation on every panel
        Assert.Contains(dashboard["annotations"]!["list"]!.AsArray(), a => ((string?)a!["expr"])?.Contains("singledarts_collapse_alarms_total", StringComparison.Ordinal) == true);
        Assert.Contains(dashboard["panels"]!.AsArray(), p => ((string?)p!["title"])?.StartsWith("Collapse alarms", StringComparison.Ordinal) == true);
    }

    private static Dictionary<object, object> Map(Dictionary<object, object> node, string key) => (Dictionary<object, object>)node[key];

    private static List<string> List(Dictionary<object, object> node, string key) => [.. ((List<object>)node[key]).Cast<string>()];
}

internal static class Deploy
{
    public static string Root { get; } = FindRoot();

    public static Dictionary<object, object> Yaml(string path) =>
        new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(Path.Combine(Root, "deploy", path)));

    public static JsonObject Dashboard() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "deploy", "grafana", "dashboards", "singledarts.json")))!.AsObject();

    /// <summary>Every PromQL expression of the dashboard: its panels' targets and its annotations.</summary>
    public static IEnumerable<string> Expressions(JsonObject dashboard) =>
        dashboard["panels"]!.AsArray().Where(p => p!["targets"] is not null)
            .SelectMany(p => p!["targets"]!.AsArray()).Select(t => (string)t!["expr"]!)
            .Concat(dashboard["annotations"]?["list"]?.AsArray().Where(a => a!["expr"] is not null).Select(a => (string)a!["expr"]!) ?? []);

    /// <summary>The Orleans instrument names (e.g. orleans-scheduler-long-running-turns), read from Orleans itself.</summary>
    public static HashSet<string> OrleansInstrumentNames()
    {
        var type = System.Reflection.Assembly.Load("Orleans.Core").GetType("Orleans.Runtime.InstrumentNames", throwOnError: true)!;
        return [.. type.GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
            .Where(f => f.FieldType == typeof(string)).Select(f => (string)f.GetValue(null)!)];
    }

    /// <summary>The Orleans instrument a Prometheus name comes from: suffixes the exporter adds removed, '_' back to '-'.</summary>
    public static string OrleansInstrument(string prometheusName)
    {
        var name = prometheusName;
        foreach (var suffix in new[] { "_bucket", "_sum", "_count", "_total" })
            if (name.EndsWith(suffix, StringComparison.Ordinal)) name = name[..^suffix.Length];
        foreach (var unit in new[] { "_milliseconds", "_seconds", "_bytes" })
            if (name.EndsWith(unit, StringComparison.Ordinal)) name = name[..^unit.Length];
        return name.Replace('_', '-');
    }

    /// <summary>An address of this machine other than loopback, or null.</summary>
    public static System.Net.IPAddress? NonLoopbackAddress() =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !System.Net.IPAddress.IsLoopback(a));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SingleDarts.sln"))) return dir.FullName;
        throw new InvalidOperationException("no SingleDarts.sln above the test binaries");
    }
}
