using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using SingleDarts.Hosting;
using SingleDarts.Hosting.Storage;
using SingleDarts.Silo;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// deploy/compose.yaml, deploy/Dockerfile and the Prometheus configs, read offline and held against
/// the configuration the code reads (no Docker daemon is needed, nor used).
/// </summary>
[Trait("Category", "unit")]
public sealed partial class DeploymentTests
{
    private static readonly string[] Silos = ["gateway", "worker-1", "worker-2"];

    [Fact]
    public void Every_compose_silo_variable_is_a_key_the_code_reads_and_the_settings_pass_the_silo_hosts_own_checks()
    {
        var services = Compose.Services();
        Assert.Superset(new HashSet<string>(["azurite", "otel-collector", "prometheus", "grafana", "cli", .. Silos]), services.Keys.ToHashSet());
        foreach (var name in Silos)
        {
            var environment = Compose.Environment(services[name]);
            Assert.All(environment.Keys, key => Assert.True(ConfigurationKeys.IsKnown(key), $"{name}: {key} is no configuration key or variable the code reads"));
            var configuration = ConfigurationKeys.Configuration(environment);
            Assert.Empty(StorageOptions.From(configuration).Validate());
            Assert.False(SiloSettings.From(configuration).Kubernetes.IsEnabled);
            Assert.Equal("azure", configuration["SingleDarts:Storage:Kind"]);
        }
        Assert.Equal("false", Compose.Environment(services["gateway"])["SingleDarts__Worker__Enabled"]);
        Assert.All(new[] { "worker-1", "worker-2" }, w => Assert.DoesNotContain("SingleDarts__Worker__Enabled", Compose.Environment(services[w]).Keys));
    }

    [Fact]
    public void Compose_ports_health_checks_and_service_names_agree_with_the_silo_settings_and_the_collector_prometheus_and_grafana_configs()
    {
        var services = Compose.Services();
        var gateway = Compose.Environment(services["gateway"]);
        var health = int.Parse(gateway["SingleDarts__Health__Port"]);
        Assert.Equal($"{ClusterSettings.DefaultGatewayPort}", gateway["Orleans__GatewayPort"]);
        Assert.Contains($"{gateway["Orleans__GatewayPort"]}:{gateway["Orleans__GatewayPort"]}", Compose.Strings(services["gateway"], "ports"));
        Assert.Contains($"127.0.0.1:{gateway["SingleDarts__Dashboard__Port"]}:{gateway["SingleDarts__Dashboard__Port"]}", Compose.Strings(services["gateway"], "ports"));
        foreach (var name in Silos)
        {
            var check = string.Join(" ", Compose.Strings(Compose.Map(services[name], "healthcheck"), "test"));
            Assert.Contains($"http://127.0.0.1:{health}{HealthSettings.ReadyPath}", check);
            Assert.Equal("silo", (string)Compose.Map(services[name], "build")["target"]);
        }

        // OTLP goes to the collector's gRPC receiver; Prometheus scrapes the collector's exporter; Grafana reads Prometheus
        var otlp = new Uri(gateway["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Contains(otlp.Host, services.Keys);
        var collector = Deploy.Yaml("otel-collector/config.yaml");
        var receiver = (string)Compose.Map(Compose.Map(Compose.Map(Compose.Map(collector, "receivers"), "otlp"), "protocols"), "grpc")["endpoint"];
        Assert.EndsWith($":{otlp.Port}", receiver);
        Assert.Contains("./otel-collector/config.yaml:/etc/otelcol-contrib/config.yaml:ro", Compose.Strings(services["otel-collector"], "volumes"));
        Assert.Contains("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro", Compose.Strings(services["prometheus"], "volumes"));
        var exporterPort = ((string)Compose.Map(Compose.Map(collector, "exporters"), "prometheus")["endpoint"]).Split(':')[^1];
        Assert.Equal([$"otel-collector:{exporterPort}"], Targets("prometheus/prometheus.yml"));
        var datasource = new Uri((string)((List<object>)Deploy.Yaml("grafana/provisioning/datasources/prometheus.yaml")["datasources"]).Cast<Dictionary<object, object>>().Single()["url"]);
        Assert.Contains(datasource.Host, services.Keys);
        Assert.Contains($"{datasource.Port}:{datasource.Port}", Compose.Strings(services["prometheus"], "ports"));
        var dashboards = (string)Compose.Map(((List<object>)Deploy.Yaml("grafana/provisioning/dashboards/singledarts.yaml")["providers"]).Cast<Dictionary<object, object>>().Single(), "options")["path"];
        Assert.Contains($"./grafana/dashboards:{dashboards}:ro", Compose.Strings(services["grafana"], "volumes"));
        Assert.Contains("./grafana/provisioning:/etc/grafana/provisioning:ro", Compose.Strings(services["grafana"], "volumes"));

        // every depends_on names a service
        foreach (var (name, service) in services)
            if (service.TryGetValue("depends_on", out var deps))
                Assert.All(deps is List<object> l ? l.Cast<string>() : ((Dictionary<object, object>)deps).Keys.Cast<string>(), d => Assert.Contains(d, services.Keys));
    }

    [Fact]
    public void The_compose_storage_is_the_azurite_service_on_the_ports_it_listens_on_in_the_version_the_tests_pin()
    {
        var services = Compose.Services();
        var connection = Compose.Environment(services["gateway"])["SingleDarts__Storage__ConnectionString"];
        var command = (string)services["azurite"]["command"];
        int Port(string option) => int.Parse(Regex.Match(command, $@"--{option} (\d+)").Groups[1].Value);
        var blob = new BlobServiceClient(connection).Uri;
        var table = new TableServiceClient(connection).Uri;
        Assert.Equal(("azurite", Port("blobPort")), (blob.Host, blob.Port));
        Assert.Equal(("azurite", Port("tablePort")), (table.Host, table.Port));
        Assert.Contains("--disableProductStyleUrl", command);       // the account is in the path, not taken from the host name "azurite"
        var pinned = (string)System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Deploy.Root, "package.json")))!["devDependencies"]!["azurite"]!;
        Assert.Equal($"mcr.microsoft.com/azure-storage/azurite:{pinned}", (string)services["azurite"]["image"]);
    }

    [Fact]
    public void The_readme_runs_quickstart_against_compose_through_the_cli_container_and_the_published_gateway()
    {
        var services = Compose.Services();
        var gatewayPort = Compose.Environment(services["gateway"])["Orleans__GatewayPort"];
        var readme = File.ReadAllText(Path.Combine(Deploy.Root, "README.md"));
        Assert.Contains("docker compose -f deploy/compose.yaml up -d --build", readme);
        var run = Regex.Match(readme, @"docker compose -f deploy/compose.yaml run --rm cli (sweep start -f (\S+) .*--gateway (\S+))");
        Assert.True(run.Success, "the README's compose run command");
        Assert.Equal($"gateway:{gatewayPort}", run.Groups[3].Value);
        var mount = Compose.Strings(services["cli"], "volumes").Single(v => v.StartsWith("../examples:", StringComparison.Ordinal)).Split(':')[1];
        Assert.StartsWith(mount + "/", run.Groups[2].Value);
        Assert.True(File.Exists(Path.Combine(Deploy.Root, "examples", run.Groups[2].Value[(mount.Length + 1)..])));
        Assert.Contains($"--gateway localhost:{gatewayPort}", readme);
        Assert.Equal("cli", (string)Compose.Map(services["cli"], "build")["target"]);
    }

    [Fact]
    public void The_dockerfile_builds_both_images_non_root_with_the_torch_backend_switch_and_a_health_check_on_the_live_endpoint()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Deploy.Root, "deploy", "Dockerfile"));
        var stages = Regex.Split(dockerfile, @"(?m)^(?=FROM )").Where(s => s.StartsWith("FROM ", StringComparison.Ordinal))
            .ToDictionary(s => Regex.Match(s, @"^FROM \S+(?: AS (\S+))?").Groups[1].Value, s => s);
        Assert.Contains("--mount=type=cache", stages["build"]);
        Assert.Equal(2, Regex.Matches(stages["build"], @"dotnet publish \S+ -c Release -p:TorchBackend=\$\{TORCH_BACKEND\}").Count);
        Assert.Contains("FROM runtime-${TORCH_BACKEND} AS runtime", dockerfile);
        Assert.Contains("runtime-cpu", stages.Keys);
        Assert.Contains("runtime-cuda", stages.Keys);
        Assert.Contains("ARG CUDA_BASE=nvidia/cuda:12.8", dockerfile);       // libtorch-cuda-12.8 2.10, which TorchSharp-cuda-linux 0.107 brings
        var versions = File.ReadAllText(Path.Combine(Deploy.Root, "Directory.Packages.props"));
        Assert.Equal(Regex.Match(versions, @"""TorchSharp"" Version=""([^""]+)""").Groups[1].Value, Regex.Match(versions, @"""TorchSharp-cuda-linux"" Version=""([^""]+)""").Groups[1].Value);

        foreach (var (stage, program) in new[] { ("silo", typeof(SiloHost).Assembly), ("cli", typeof(Cli.CliRunner).Assembly) })
        {
            Assert.Contains($"ENTRYPOINT [\"dotnet\", \"/app/{program.GetName().Name}.dll\"]", stages[stage]);
            Assert.Matches(@"(?m)^USER 1654$", stages[stage]);
        }
        Assert.Contains("chown -R 1654:1654 /data", stages["runtime"]);
        var silo = stages["silo"];
        Assert.Contains("ENV SingleDarts__Health__Port=", silo);
        Assert.Contains($"http://127.0.0.1:${{SingleDarts__Health__Port}}{HealthSettings.LivePath}", silo);
        var expose = Regex.Match(silo, @"EXPOSE (.+)").Groups[1].Value.Split(' ');
        Assert.Contains($"{ClusterSettings.DefaultSiloPort}", expose);
        Assert.Contains($"{ClusterSettings.DefaultGatewayPort}", expose);
        Assert.Contains(Regex.Match(silo, @"SingleDarts__Health__Port=(\d+)").Groups[1].Value, expose);

        // ENV sets only keys the code reads, and the .NET images' own variables
        string[] platform = ["ASPNETCORE_HTTP_PORTS", "DOTNET_RUNNING_IN_CONTAINER", "APP_UID"];
        foreach (Match env in Regex.Matches(dockerfile, @"(?m)^ENV (.+)$"))
            foreach (Match pair in Regex.Matches(env.Groups[1].Value, @"(\w+)="))
                Assert.True(ConfigurationKeys.IsKnown(pair.Groups[1].Value) || platform.Contains(pair.Groups[1].Value), $"Dockerfile: ENV {pair.Groups[1].Value}");
        var ignored = File.ReadAllLines(Path.Combine(Deploy.Root, ".dockerignore"));
        Assert.DoesNotContain(ignored, l => l.Trim() is "src/" or "build/" or "src" or "build");
    }

    [Fact]
    public void The_direct_prometheus_config_scrapes_exactly_the_metrics_endpoints_of_the_readmes_silos_on_one_machine()
    {
        var readme = File.ReadAllText(Path.Combine(Deploy.Root, "README.md"));
        var defaults = new TelemetryOptions().Prometheus;
        var blocks = Regex.Matches(readme, @"(?:^ {4}dotnet run --project src/SingleDarts\.Silo .*\n)+", RegexOptions.Multiline);
        Assert.NotEmpty(blocks);
        var direct = Targets("prometheus/prometheus-direct.yml");
        var all = new HashSet<string>();
        foreach (Match block in blocks)
        {
            var endpoints = block.Value.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
            {
                var port = Regex.Match(line, @"--SingleDarts:Telemetry:Prometheus:Port=(\d+)");
                var host = Regex.Match(line, @"--SingleDarts:Telemetry:Prometheus:Host=(\S+)");
                return $"{(host.Success ? host.Groups[1].Value : defaults.Host)}:{(port.Success ? port.Groups[1].Value : defaults.Port)}";
            }).ToList();
            Assert.Equal(endpoints.Count, endpoints.Distinct().Count());        // one machine: each silo its own port
            all.UnionWith(endpoints);
        }
        Assert.Equal(all.Order(), direct.Order());          // every README silo scraped, nothing else
        Assert.Contains("prometheus-direct.yml", readme);
    }

    private static List<string> Targets(string config) =>
    [
        .. ((List<object>)Deploy.Yaml(config)["scrape_configs"]).Cast<Dictionary<object, object>>()
            .SelectMany(job => ((List<object>)job["static_configs"]).Cast<Dictionary<object, object>>())
            .SelectMany(c => ((List<object>)c["targets"]).Cast<string>()),
    ];

    /// <summary>deploy/compose.yaml as Docker Compose reads it: YAML with anchors and merge keys.</summary>
    private static class Compose
    {
        public static Dictionary<string, Dictionary<object, object>> Services()
        {
            using var reader = new StringReader(File.ReadAllText(Path.Combine(Deploy.Root, "deploy", "compose.yaml")));
            var compose = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(reader)));
            return Map(compose, "services").ToDictionary(s => (string)s.Key, s => (Dictionary<object, object>)s.Value);
        }

        public static Dictionary<string, string> Environment(Dictionary<object, object> service) =>
            Map(service, "environment").ToDictionary(e => (string)e.Key, e => (string)e.Value);

        public static Dictionary<object, object> Map(Dictionary<object, object> node, string key) => (Dictionary<object, object>)node[key];

        public static List<string> Strings(Dictionary<object, object> node, string key) => [.. ((List<object>)node[key]).Cast<string>()];
    }
}
