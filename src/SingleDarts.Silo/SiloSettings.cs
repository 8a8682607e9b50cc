using System.Net;
using Microsoft.Extensions.Configuration;
using Orleans.Hosting.Kubernetes;
using SingleDarts.Hosting;
using SingleDarts.Hosting.Storage;

namespace SingleDarts.Silo;

/// <summary>
/// The silo host's health endpoints (section <c>SingleDarts:Health</c>): off unless a port is set;
/// on loopback unless a host is set (Kubernetes probes need <c>0.0.0.0</c>). <see cref="LivePath"/>
/// answers 200 while the silo is active; <see cref="ReadyPath"/> while it is active and its storage
/// answers; 503 otherwise.
/// </summary>
public sealed class HealthSettings
{
    public const string Section = "SingleDarts:Health";
    public const string LivePath = "/health/live", ReadyPath = "/health/ready";

    public string Host { get; set; } = "127.0.0.1";

    /// <summary>0: no health endpoints.</summary>
    public int Port { get; set; }

    /// <summary>How long the storage check waits for the account (or the folder) before it calls the storage unreachable.</summary>
    public double StorageTimeoutSeconds { get; set; } = 5;

    public bool Enabled => Port != 0;
}

/// <summary>
/// The Orleans Dashboard (section <c>SingleDarts:Dashboard</c>): off by default; when enabled, served
/// at <c>http://Host:Port/</c>, loopback unless a host is set (it has no authentication). Enable it on
/// every silo so that each one reports its grains and counters.
/// </summary>
public sealed class DashboardSettings
{
    public const string Section = "SingleDarts:Dashboard";

    public bool Enabled { get; set; }
    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 8080;
}

/// <summary>
/// Kubernetes hosting (section <c>SingleDarts:Kubernetes</c>): the silo is named after its pod,
/// advertises the pod's IP, takes its cluster and service ids from the pod's <c>orleans/clusterId</c>
/// and <c>orleans/serviceId</c> labels and declares silos whose pods are gone dead. Left unset it is
/// on when the pod's <c>POD_NAME</c> and <c>POD_NAMESPACE</c> are in the environment.
/// </summary>
public sealed class KubernetesSettings
{
    public const string Section = "SingleDarts:Kubernetes";

    public bool? Enabled { get; set; }

    public bool IsEnabled => Enabled ?? (Set(KubernetesHostingOptions.PodNameEnvironmentVariable) && Set(KubernetesHostingOptions.PodNamespaceEnvironmentVariable));

    private static bool Set(string variable) => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(variable));
}

/// <summary>Everything the silo host adds to the shared silo setup, read and checked once.</summary>
public sealed record SiloSettings(HealthSettings Health, DashboardSettings Dashboard, KubernetesSettings Kubernetes)
{
    public bool ServesHttp => Health.Enabled || Dashboard.Enabled;

    /// <exception cref="SiloConfigException">a setting is wrong (every problem, each naming its key).</exception>
    public static SiloSettings From(IConfiguration configuration)
    {
        var settings = new SiloSettings(
            configuration.GetSection(HealthSettings.Section).Get<HealthSettings>() ?? new(),
            configuration.GetSection(DashboardSettings.Section).Get<DashboardSettings>() ?? new(),
            configuration.GetSection(KubernetesSettings.Section).Get<KubernetesSettings>() ?? new());
        var problems = settings.Problems(ClusterSettings.From(configuration), StorageOptions.From(configuration, localGrainStateDefault: "folder"));
        return problems.Count > 0 ? throw new SiloConfigException(problems) : settings;
    }

    private List<string> Problems(ClusterSettings cluster, StorageOptions storage)
    {
        var problems = new List<string>();
        if (Health.Port is < 0 or > 65535) problems.Add($"{HealthSettings.Section}:Port must be a port (1-65535), or 0 for none, got {Health.Port}");
        if (Health.Enabled && Address(Health.Host) is null) problems.Add($"{HealthSettings.Section}:Host must be an IP address (0.0.0.0: every interface), got '{Health.Host}'");
        if (Health.StorageTimeoutSeconds <= 0) problems.Add($"{HealthSettings.Section}:StorageTimeoutSeconds must be positive, got {Health.StorageTimeoutSeconds}");
        if (Dashboard.Enabled)
        {
            if (Dashboard.Port is < 1 or > 65535) problems.Add($"{DashboardSettings.Section}:Port must be a port (1-65535), got {Dashboard.Port}");
            if (Address(Dashboard.Host) is null) problems.Add($"{DashboardSettings.Section}:Host must be an IP address (0.0.0.0: every interface), got '{Dashboard.Host}'");
            if (Health.Enabled && Dashboard.Port == Health.Port) problems.Add($"{DashboardSettings.Section}:Port and {HealthSettings.Section}:Port must differ, both are {Health.Port}");
        }
        if (!Kubernetes.IsEnabled) return problems;
        if (!storage.IsAzure)
            problems.Add($"{KubernetesSettings.Section}: Kubernetes hosting needs {StorageOptions.Section}:Kind=azure (membership in an Azure Table; local storage's development clustering reaches no other pod)");
        // clients (the CLI, the sweep Job) name the cluster by Orleans:ClusterId; the pod's label must say the same
        foreach (var (key, label, variable, configured) in new[]
        {
            ("ClusterId", KubernetesHostingOptions.ClusterIdLabel, KubernetesHostingOptions.ClusterIdEnvironmentVariable, cluster.ClusterId),
            ("ServiceId", KubernetesHostingOptions.ServiceIdLabel, KubernetesHostingOptions.ServiceIdEnvironmentVariable, cluster.ServiceId),
        })
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromPod && fromPod != configured)
                problems.Add($"{ClusterSettings.Section}:{key} is '{configured}' but the pod's {label} label ({variable}) is '{fromPod}': set them alike");
        return problems;
    }

    /// <summary>An IP address to listen on ("localhost" is loopback), or null.</summary>
    public static IPAddress? Address(string host) =>
        host.Trim() is "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host.Trim().Trim('[', ']'), out var ip) ? ip : null;
}
