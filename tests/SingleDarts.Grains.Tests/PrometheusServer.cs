using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// A real Prometheus for the tests: the <c>prometheus</c> binary this machine has (Debian's package:
/// <c>apt-get install prometheus</c>; never installed by the tests, it needs root), started on a free loopback
/// port with its config and TSDB in a scratch folder, scraping one target, and stopped by its PID.
/// </summary>
internal sealed class PrometheusServer : IDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);
    private readonly string dir = Tiny.TempDir();
    private readonly StringBuilder output = new();
    private readonly Process process;
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The binary on PATH, else /usr/bin/prometheus; null when neither exists.</summary>
    public static string? Binary { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Append("/usr/bin").Select(d => Path.Combine(d, "prometheus")).FirstOrDefault(File.Exists);

    public int Port { get; } = CliProcess.FreePort();

    /// <param name="target">HOST:PORT of a /metrics endpoint</param>
    public PrometheusServer(string target, TimeSpan interval)
    {
        var every = $"{(int)interval.TotalMilliseconds}ms";
        File.WriteAllText(Path.Combine(dir, "prometheus.yml"), $"""
            global:
              scrape_interval: {every}
              scrape_timeout: {every}
            scrape_configs:
              - job_name: singledarts
                static_configs:
                  - targets: ["{target}"]
            """);
        var start = new ProcessStartInfo(Binary ?? throw new InvalidOperationException("no prometheus binary"),
            $"--config.file={dir}/prometheus.yml --storage.tsdb.path={dir}/data --web.listen-address=127.0.0.1:{Port} --log.level=warn")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var until = DateTime.UtcNow + StartLimit;
        while (!Ready())
        {
            if (process.HasExited || DateTime.UtcNow > until)
                throw new InvalidOperationException($"Prometheus did not start on port {Port}: {Output}");
            Thread.Sleep(200);
        }
    }

    public bool HasExited => process.HasExited;

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    /// <summary>/api/v1/query_range, as Grafana asks a panel's target: the result's series (matrix), each with its labels and values.</summary>
    public async Task<List<(JsonObject Labels, double[] Values)>> QueryRange(string expr, DateTimeOffset start, DateTimeOffset end, TimeSpan step)
    {
        var query = $"query={Uri.EscapeDataString(expr)}&start={Unix(start)}&end={Unix(end)}&step={step.TotalSeconds.ToString(CultureInfo.InvariantCulture)}";
        var data = await Get("query_range", query, expr);
        return [.. data["result"]!.AsArray().Select(s => (s!["metric"]!.AsObject(),
            s["values"]!.AsArray().Select(v => double.Parse((string)v![1]!, CultureInfo.InvariantCulture)).ToArray()))];
    }

    /// <summary>/api/v1/label/NAME/values with match[]: what Grafana's label_values(SELECTOR, NAME) offers.</summary>
    public async Task<List<string>> LabelValues(string selector, string label, DateTimeOffset start, DateTimeOffset end)
    {
        var data = await Get($"label/{label}/values", $"match[]={Uri.EscapeDataString(selector)}&start={Unix(start)}&end={Unix(end)}", selector);
        return [.. data.AsArray().Select(v => (string)v!)];
    }

    private async Task<JsonNode> Get(string api, string query, string what)
    {
        using var response = await http.GetAsync($"http://127.0.0.1:{Port}/api/v1/{api}?{query}");
        var body = await response.Content.ReadAsStringAsync();
        var json = JsonNode.Parse(body)!;
        Assert.True((string?)json["status"] == "success", $"Prometheus refused {what}: {body}");
        return json["data"]!;
    }

    private static string Unix(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() / 1000.0).ToString(CultureInfo.InvariantCulture);

    private bool Ready()
    {
        try
        {
            using var response = http.GetAsync($"http://127.0.0.1:{Port}/-/ready").GetAwaiter().GetResult();
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM to the PID started here, SIGKILL after 10 s; the scratch folder goes.</summary>
    public void Dispose()
    {
        http.Dispose();
        if (!process.HasExited)
        {
            _ = Kill(process.Id, 15);
            if (!process.WaitForExit(TimeSpan.FromSeconds(10))) process.Kill();
        }
        process.WaitForExit();
        process.Dispose();
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
