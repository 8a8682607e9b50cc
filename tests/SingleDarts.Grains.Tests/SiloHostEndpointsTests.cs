using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using SingleDarts.Hosting;
using SingleDarts.Silo;

namespace SingleDarts.Grains.Tests;

/// <summary>The silo host's own endpoints (health, dashboard) in-process on Azurite, and its settings' checks.</summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "integration")]
public sealed class SiloHostEndpointsTests(Azurite azurite)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Health_is_200_while_the_silo_is_up_and_its_storage_answers_503_while_the_storage_is_away_and_the_dashboard_answers_on_its_own_port()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        int healthPort = CliProcess.FreePort(), dashboardPort = CliProcess.FreePort();
        await using var app = SiloHost.Build([
            $"--Orleans:SiloPort={CliProcess.FreePort()}", $"--Orleans:GatewayPort={CliProcess.FreePort()}", "--Orleans:AdvertisedAddress=127.0.0.1",
            "--SingleDarts:Worker:Enabled=false", "--SingleDarts:Telemetry:Prometheus:Enabled=false",
            "--SingleDarts:Storage:Kind=azure", $"--SingleDarts:Storage:ConnectionString={azurite.ConnectionString}",
            $"--SingleDarts:Storage:ClusterTable=Cluster{tag}", $"--SingleDarts:Storage:StateTable=State{tag}", $"--SingleDarts:Storage:ReminderTable=Reminders{tag}",
            $"--SingleDarts:Health:Port={healthPort}", "--SingleDarts:Health:StorageTimeoutSeconds=2",
            "--SingleDarts:Dashboard:Enabled=true", $"--SingleDarts:Dashboard:Port={dashboardPort}",
        ]);
        await app.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var ready = $"http://127.0.0.1:{healthPort}{HealthSettings.ReadyPath}";
        var live = $"http://127.0.0.1:{healthPort}{HealthSettings.LivePath}";
        try
        {
            var (status, body) = await Until(http, ready, HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("Healthy", (string?)JsonNode.Parse(body)!["checks"]!["storage"]!["status"]);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(live)).StatusCode);

            // each endpoint on its own port: the dashboard's UI there, not on the health port, and no health on the dashboard's
            var dashboard = await http.GetAsync($"http://127.0.0.1:{dashboardPort}/");
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
            Assert.Contains("html", dashboard.Content.Headers.ContentType?.MediaType ?? "");
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{dashboardPort}{HealthSettings.LivePath}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{healthPort}/")).StatusCode);

            azurite.Stop();
            (status, body) = await Until(http, ready, HttpStatusCode.ServiceUnavailable);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            var checks = JsonNode.Parse(body)!["checks"]!;
            Assert.Equal("Unhealthy", (string?)checks["storage"]!["status"]);
            Assert.Equal("Healthy", (string?)checks["silo"]!["status"]);
            Assert.DoesNotContain(azurite.Key, body);
            // a storage outage is not a reason to restart the silo: liveness stays up
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(live)).StatusCode);
        }
        finally
        {
            azurite.Start();
        }
        Assert.Equal(HttpStatusCode.OK, (await Until(http, ready, HttpStatusCode.OK)).Status);

        // the silo's watchdog runs on the clock that does not measure from the machine's uptime
        var watchdog = app.Services.GetService(typeof(Orleans.Runtime.Silo).Assembly.GetType("Orleans.Runtime.Watchdog", throwOnError: true)!)!;
        Assert.IsType<WatchdogClock>(watchdog.GetType().GetField("_timeProvider", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(watchdog));
        await app.StopAsync();
    }

    [Fact]
    public void The_watchdog_clock_reads_an_unset_stamp_as_the_time_since_it_was_made_and_every_interval_as_the_system_clock_does()
    {
        var made = Stopwatch.GetTimestamp();
        var clock = new WatchdogClock();
        var sinceZero = clock.GetElapsedTime(0);
        Assert.True(sinceZero <= Stopwatch.GetElapsedTime(made), $"{sinceZero} since an unset stamp, more than the clock's age");
        Assert.True(TimeProvider.System.GetElapsedTime(0) >= Stopwatch.GetElapsedTime(made));     // the system clock counts from boot
        Assert.Equal(TimeProvider.System.TimestampFrequency, clock.TimestampFrequency);
        Assert.Equal(TimeProvider.System.GetElapsedTime(1_000, 5_000_000), clock.GetElapsedTime(1_000, 5_000_000));
    }

    [Fact]
    public void Bad_silo_host_settings_stop_it_before_it_starts_with_one_line_per_key()
    {
        var problems = Assert.Throws<SiloConfigException>(() => SiloSettings.From(Config(new()
        {
            ["SingleDarts:Health:Port"] = "70000",
            ["SingleDarts:Dashboard:Enabled"] = "true",
            ["SingleDarts:Dashboard:Host"] = "dashboard.example",
            ["SingleDarts:Kubernetes:Enabled"] = "true",
        }))).Problems;
        Assert.Contains(problems, p => p.StartsWith("SingleDarts:Health:Port must be a port", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("SingleDarts:Dashboard:Host must be an IP address", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Kubernetes hosting needs SingleDarts:Storage:Kind=azure", StringComparison.Ordinal));
        Assert.Equal(3, problems.Count);

        var same = Assert.Throws<SiloConfigException>(() => SiloSettings.From(Config(new()
        {
            ["SingleDarts:Health:Port"] = "8081",
            ["SingleDarts:Dashboard:Enabled"] = "true",
            ["SingleDarts:Dashboard:Port"] = "8081",
        }))).Problems;
        Assert.Equal("SingleDarts:Dashboard:Port and SingleDarts:Health:Port must differ, both are 8081", Assert.Single(same));

        // defaults: no HTTP endpoint, no dashboard, no Kubernetes (outside a pod)
        var defaults = SiloSettings.From(Config(new()));
        Assert.False(defaults.ServesHttp);
        Assert.False(defaults.Kubernetes.IsEnabled);
    }

    [Fact]
    public void A_pod_whose_cluster_label_differs_from_the_configured_cluster_id_is_refused_by_the_silo_process_with_exit_code_2()
    {
        var dir = Tiny.TempDir();
        using var silo = CliProcess.StartSilo("--SingleDarts:Storage:Kind=azure --SingleDarts:Health:Port=-1", dir, new Dictionary<string, string>
        {
            ["SingleDarts__Storage__ConnectionString"] = azurite.ConnectionString,
            ["POD_NAME"] = "singledarts-worker-0",
            ["POD_NAMESPACE"] = "singledarts",
            ["ORLEANS_CLUSTER_ID"] = "blue",
        });
        var (exit, _, stderr) = silo.WaitForExit(TimeSpan.FromMinutes(1));
        Assert.Equal(2, exit);
        var errors = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(errors, e => Assert.StartsWith("error: ", e));
        Assert.Contains("error: Orleans:ClusterId is 'singledarts' but the pod's orleans/clusterId label (ORLEANS_CLUSTER_ID) is 'blue': set them alike", errors);
        Assert.Contains(errors, e => e.StartsWith("error: SingleDarts:Health:Port must be a port", StringComparison.Ordinal));
        Assert.Equal(2, errors.Length);
    }

    private static IConfiguration Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    /// <summary>GETs <paramref name="url"/> until it answers <paramref name="wanted"/> (at most <see cref="Patience"/>); the last answer.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> Until(HttpClient http, string url, HttpStatusCode wanted)
    {
        var until = DateTime.UtcNow + Patience;
        (HttpStatusCode, string) last = default;
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(url);
                last = (response.StatusCode, await response.Content.ReadAsStringAsync());
                if (response.StatusCode == wanted) return last;
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > until) return last;
            await Task.Delay(250);
        }
    }
}
