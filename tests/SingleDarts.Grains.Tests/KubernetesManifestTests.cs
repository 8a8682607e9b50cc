using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Configuration;
using Orleans.Hosting.Kubernetes;
using SingleDarts.Hosting;
using SingleDarts.Hosting.Storage;
using SingleDarts.Silo;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// k8s/: both overlays and the sweep Job rendered by <c>kubectl kustomize</c> (skipped, with a
/// message, where kubectl is missing) and held against the configuration the code reads.
/// </summary>
[Trait("Category", "integration")]
public sealed class KubernetesManifestTests
{
    [SkippableTheory]
    [InlineData("cpu")]
    [InlineData("gpu")]
    public void An_overlay_renders_silos_that_read_only_known_keys_with_matching_labels_ports_probes_and_rbac(string overlay)
    {
        var objects = Render($"overlays/{overlay}");
        Assert.All(objects.Where(o => Kind(o) != "Namespace"), o => Assert.Equal("singledarts", Metadata(o)["namespace"]));
        Assert.Contains(objects, o => Kind(o) == "Namespace" && (string)Metadata(o)["name"] == "singledarts");

        var settings = Data(Single(objects, "ConfigMap", "singledarts-settings"));
        Assert.All(settings.Keys, k => Assert.True(ConfigurationKeys.IsKnown(k), $"settings.env: {k} is no key the code reads"));
        var health = int.Parse(settings["SingleDarts__Health__Port"]);
        Assert.Equal(IPAddress.Any, SiloSettings.Address(settings["SingleDarts__Health__Host"]));       // kubelet probes the pod's IP

        var roles = objects.Where(o => Kind(o) == "Role").ToDictionary(o => (string)Metadata(o)["name"]);
        var bindings = objects.Where(o => Kind(o) == "RoleBinding").ToList();
        foreach (var component in new[] { "gateway", "worker" })
        {
            var deployment = Single(objects, "Deployment", $"singledarts-{component}");
            var pod = Map(Map(deployment, "spec"), "template");
            var labels = Map(Map(pod, "metadata"), "labels");
            Assert.Equal(settings["Orleans__ClusterId"], labels[KubernetesHostingOptions.ClusterIdLabel]);
            Assert.Equal(settings["Orleans__ServiceId"], labels[KubernetesHostingOptions.ServiceIdLabel]);
            var spec = Map(pod, "spec");

            // the service account may read and label pods, as Orleans' Kubernetes hosting needs
            var account = (string)spec["serviceAccountName"];
            var binding = bindings.Single(b => List(b, "subjects").Any(s => (string)s["name"] == account));
            var rule = List(roles[(string)Map(binding, "roleRef")["name"]], "rules").Single();
            Assert.Contains("pods", Strings(rule, "resources"));
            Assert.Superset(new HashSet<string>(["get", "list", "watch", "patch"]), Strings(rule, "verbs").ToHashSet());

            var container = List(spec, "containers").Single();
            Assert.Equal(Metadata(Single(objects, "ConfigMap", "singledarts-settings"))["name"], Map(List(container, "envFrom").Single(), "configMapRef")["name"]);
            var env = List(container, "env").ToDictionary(e => (string)e["name"]);
            Assert.All(env.Keys, k => Assert.True(ConfigurationKeys.IsKnown(k), $"{component}: {k} is no key the code reads"));
            Assert.Equal("metadata.name", FieldRef(env, KubernetesHostingOptions.PodNameEnvironmentVariable));
            Assert.Equal("metadata.namespace", FieldRef(env, KubernetesHostingOptions.PodNamespaceEnvironmentVariable));
            Assert.Equal("status.podIP", FieldRef(env, KubernetesHostingOptions.PodIPEnvironmentVariable));
            Assert.Equal($"metadata.labels['{KubernetesHostingOptions.ClusterIdLabel}']", FieldRef(env, KubernetesHostingOptions.ClusterIdEnvironmentVariable));
            Assert.Equal($"metadata.labels['{KubernetesHostingOptions.ServiceIdLabel}']", FieldRef(env, KubernetesHostingOptions.ServiceIdEnvironmentVariable));

            // the secrets come from the Secret the template describes
            var template = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(Path.Combine(Deploy.Root, "k8s", "base", "secret.template.yaml")));
            foreach (var secret in env.Values.Where(e => e.ContainsKey("valueFrom") && Map(e, "valueFrom").ContainsKey("secretKeyRef")).Select(e => Map(Map(e, "valueFrom"), "secretKeyRef")))
            {
                Assert.Equal(Metadata(template)["name"], secret["name"]);
                Assert.Contains(secret["key"], Map(template, "stringData").Keys);
            }
            Assert.Equal("secretKeyRef", Map(env["SingleDarts__Storage__ConnectionString"], "valueFrom").Keys.Single());

            // the settings as this silo reads them pass the silo host's own checks
            var configuration = ConfigurationKeys.Configuration(settings.Concat(env.Where(e => e.Value.ContainsKey("value")).Select(e => KeyValuePair.Create(e.Key, (string)e.Value["value"])))
                .Append(KeyValuePair.Create("SingleDarts__Storage__ConnectionString", "UseDevelopmentStorage=true")));
            Assert.Empty(StorageOptions.From(configuration).Validate());
            Assert.True(SiloSettings.From(configuration).Kubernetes.IsEnabled);
            Assert.Equal(component == "gateway" ? "False" : "True", $"{(configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new()).Enabled}");

            var ports = List(container, "ports").ToDictionary(p => (string)p["name"], p => int.Parse((string)p["containerPort"]));
            Assert.Equal(int.Parse(settings["Orleans__SiloPort"]), ports["silo"]);
            Assert.Equal(int.Parse(settings["Orleans__GatewayPort"]), ports["gateway"]);
            Assert.Equal(health, ports["health"]);
            foreach (var (probe, path) in new[] { ("startupProbe", HealthSettings.LivePath), ("livenessProbe", HealthSettings.LivePath), ("readinessProbe", HealthSettings.ReadyPath) })
            {
                var get = Map(Map(container, probe), "httpGet");
                Assert.Equal(path, get["path"]);
                Assert.Equal("health", get["port"]);
            }
            // the readiness probe waits longer than the storage check does
            Assert.True(int.Parse((string)Map(container, "readinessProbe")["timeoutSeconds"]) > new HealthSettings().StorageTimeoutSeconds);
            Assert.Equal("1654", (string)Map(spec, "securityContext")["runAsUser"]);
        }

        // clients reach the gateway silo's gateway port through the Service
        var service = Single(objects, "Service", "singledarts-gateway");
        var servicePort = List(Map(service, "spec"), "ports").Single();
        Assert.Equal(settings["Orleans__GatewayPort"], servicePort["port"]);
        Assert.Equal("gateway", servicePort["targetPort"]);
        Assert.Equal("gateway", Map(Map(service, "spec"), "selector")["app.kubernetes.io/component"]);
        var budget = Single(objects, "PodDisruptionBudget", "singledarts-worker");
        Assert.Equal("worker", Map(Map(Map(budget, "spec"), "selector"), "matchLabels")["app.kubernetes.io/component"]);

        // telemetry: OTLP to the collector's Service, whose exporter port Prometheus is told to scrape
        var otlp = new Uri(settings["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var collector = Single(objects, "Service", otlp.Host);
        Assert.Contains(List(Map(collector, "spec"), "ports"), p => (string)p["port"] == $"{otlp.Port}");
        var exporter = (string)Map(Map(Deploy.Yaml("otel-collector/config.yaml"), "exporters"), "prometheus")["endpoint"];
        Assert.EndsWith($":{Map(Metadata(collector), "annotations")["prometheus.io/port"]}", exporter);
        Assert.Equal(File.ReadAllText(Path.Combine(Deploy.Root, "deploy", "otel-collector", "config.yaml")), Data(Single(objects, "ConfigMap", "otel-collector-config"))["config.yaml"]);

        var worker = List(Map(Map(Map(Single(objects, "Deployment", "singledarts-worker"), "spec"), "template"), "spec"), "containers").Single();
        var workerEnv = List(worker, "env").ToDictionary(e => (string)e["name"], e => e.TryGetValue("value", out var v) ? (string)v : null);
        var gateway = List(Map(Map(Map(Single(objects, "Deployment", "singledarts-gateway"), "spec"), "template"), "spec"), "containers").Single();
        Assert.Equal("singledarts-silo:cpu", gateway["image"]);
        Assert.DoesNotContain("nvidia.com/gpu", Map(Map(gateway, "resources"), "limits").Keys);
        var limits = Map(Map(worker, "resources"), "limits");
        if (overlay == "gpu")
        {
            Assert.Equal("singledarts-silo:cuda", worker["image"]);
            Assert.Equal("cuda", workerEnv["SingleDarts__Worker__Device"]);
            Assert.Equal((string)limits["nvidia.com/gpu"], workerEnv["SingleDarts__Worker__Slots"]);      // one seed per GPU
            var podSpec = Map(Map(Map(Single(objects, "Deployment", "singledarts-worker"), "spec"), "template"), "spec");
            Assert.Contains(List(podSpec, "tolerations"), t => (string)t["key"] == "nvidia.com/gpu");
            Assert.NotEmpty(Map(podSpec, "nodeSelector"));
        }
        else
        {
            Assert.Equal("singledarts-silo:cpu", worker["image"]);
            Assert.Equal("cpu", workerEnv["SingleDarts__Worker__Device"]);
            Assert.DoesNotContain("nvidia.com/gpu", limits.Keys);
            Assert.NotNull(Map(Map(worker, "resources"), "requests")["cpu"]);
        }
    }

    [SkippableFact]
    public void The_sweep_job_runs_the_cli_on_the_spec_from_its_config_map_against_the_gateway_service_of_the_same_cluster()
    {
        var objects = Render("sweep");
        var base_ = Render("overlays/cpu");
        var settings = Data(Single(base_, "ConfigMap", "singledarts-settings"));
        var job = Single(objects, "Job", "singledarts-sweep");
        var spec = Map(Map(Map(job, "spec"), "template"), "spec");
        var container = List(spec, "containers").Single();
        var args = Strings(container, "args");
        Assert.Equal(["sweep", "start"], args.Take(2));
        var gateway = args[args.IndexOf("--gateway") + 1].Split(':');
        var service = Single(base_, "Service", gateway[0]);
        Assert.Equal(gateway[1], List(Map(service, "spec"), "ports").Single()["port"]);
        Assert.Contains("--id", args);                 // a retried pod joins the sweep it started

        var env = List(container, "env").ToDictionary(e => (string)e["name"], e => (string)e["value"]);
        Assert.All(env.Keys, k => Assert.True(ConfigurationKeys.IsKnown(k), k));
        Assert.Equal(settings["Orleans__ClusterId"], env["Orleans__ClusterId"]);
        Assert.Equal(settings["Orleans__ServiceId"], env["Orleans__ServiceId"]);

        // -f names a file of the mounted spec ConfigMap, which is examples/quickstart.yaml
        var file = args[args.IndexOf("-f") + 1];
        var mount = List(container, "volumeMounts").Single(m => file.StartsWith((string)m["mountPath"] + "/", StringComparison.Ordinal));
        var volume = List(spec, "volumes").Single(v => (string)v["name"] == (string)mount["name"]);
        var configMap = Single(objects, "ConfigMap", (string)Map(volume, "configMap")["name"]);
        Assert.Equal(File.ReadAllText(Path.Combine(Deploy.Root, "examples", "quickstart.yaml")), Data(configMap)[file[((string)mount["mountPath"]).Length..].TrimStart('/')]);
        Assert.Equal("singledarts-cli:cpu", container["image"]);
    }

    private static List<Dictionary<object, object>> Render(string path)
    {
        const string kubectl = "/usr/bin/kubectl";
        Skip.IfNot(File.Exists(kubectl), $"{kubectl} is not installed: the k8s/ manifests were not rendered");
        var start = new ProcessStartInfo(kubectl, ["kustomize", Path.Combine(Deploy.Root, "k8s", path)]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"kubectl kustomize k8s/{path}: {stderr}");
        var deserializer = new DeserializerBuilder().Build();
        using var reader = new StringReader(stdout.Result);
        var parser = new YamlDotNet.Core.Parser(reader);
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var objects = new List<Dictionary<object, object>>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _)) objects.Add(deserializer.Deserialize<Dictionary<object, object>>(parser));
        return objects;
    }

    private static string Kind(Dictionary<object, object> o) => (string)o["kind"];

    private static Dictionary<object, object> Metadata(Dictionary<object, object> o) => Map(o, "metadata");

    /// <summary>The one object of a kind whose name is <paramref name="name"/> (or a ConfigMap's generated name-hash).</summary>
    private static Dictionary<object, object> Single(List<Dictionary<object, object>> objects, string kind, string name) =>
        objects.Single(o => Kind(o) == kind && ((string)Metadata(o)["name"] == name || kind == "ConfigMap" && ((string)Metadata(o)["name"]).StartsWith(name + "-", StringComparison.Ordinal)));

    private static Dictionary<string, string> Data(Dictionary<object, object> configMap) => Map(configMap, "data").ToDictionary(d => (string)d.Key, d => (string)d.Value);

    private static string FieldRef(Dictionary<string, Dictionary<object, object>> env, string name) => (string)Map(Map(env[name], "valueFrom"), "fieldRef")["fieldPath"];

    private static Dictionary<object, object> Map(Dictionary<object, object> node, string key) => (Dictionary<object, object>)node[key];

    private static List<Dictionary<object, object>> List(Dictionary<object, object> node, string key) => [.. ((List<object>)node[key]).Cast<Dictionary<object, object>>()];

    private static List<string> Strings(Dictionary<object, object> node, string key) => [.. ((List<object>)node[key]).Cast<string>()];
}
