using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SingleDarts.Grains.Tests;

/// <summary>The built <c>singledarts</c> (copied next to the tests) as child processes.</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new(), stderr = new();

    private CliProcess(string args, string program = "singledarts", IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, program + ".dll");
        process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet", $"\"{dll}\" {args}") { RedirectStandardOutput = true, RedirectStandardError = true },
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) process.StartInfo.Environment[key] = value;
        process.OutputDataReceived += (_, e) => { lock (stdout) if (e.Data is not null) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (stderr) if (e.Data is not null) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static CliProcess Start(string args, IReadOnlyDictionary<string, string>? environment = null) => new(args, environment: environment);

    /// <summary>
    /// The silo host (<c>singledarts-silo</c>) with configuration given as --Key=Value arguments (and in
    /// <paramref name="environment"/>), its grain state in <paramref name="dir"/>/state (shared by the
    /// silos of one test, never by two tests) and no metrics endpoint.
    /// </summary>
    public static CliProcess StartSilo(string args, string dir, IReadOnlyDictionary<string, string>? environment = null) =>
        new($"{args} --SingleDarts:Storage:StateFolder={dir}/state --SingleDarts:Telemetry:Prometheus:Enabled=false", "singledarts-silo", environment);

    /// <summary>Runs to the end (at most 5 minutes).</summary>
    public static (int Exit, string Out, string Err) Run(string args, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var p = new CliProcess(args, environment: environment);
        return p.WaitForExit(TimeSpan.FromMinutes(5));
    }

    public (int Exit, string Out, string Err) WaitForExit(TimeSpan limit)
    {
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"singledarts did not finish in {limit}: {Out}\n{Err}");
        }
        process.WaitForExit();      // drains the output
        return (process.ExitCode, Out, Err);
    }

    public string Out
    {
        get { lock (stdout) return stdout.ToString(); }
    }

    public string Err
    {
        get { lock (stderr) return stderr.ToString(); }
    }

    public bool HasExited => process.HasExited;

    /// <summary>Kills the process if it still runs (SIGKILL: what a crash or an evicted pod looks like). Idempotent.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.Dispose();
    }

    private bool disposed;

    /// <summary>
    /// <c>sweep start ARGS</c> against silo processes that are still starting: retried while their
    /// gateway cannot be reached (at most a minute), then the answer as it is.
    /// </summary>
    public static (int Exit, string Out, string Err) RunWhenReachable(string args, IReadOnlyDictionary<string, string>? environment = null)
    {
        (int Exit, string Out, string Err) result = default;
        for (var attempt = 0; attempt < 120; attempt++)
        {
            result = Run(args, environment);
            if (result.Exit != 1 || !result.Err.Contains("cannot reach", StringComparison.Ordinal)) break;
            Thread.Sleep(500);
        }
        return result;
    }

    /// <summary>A sweep spec file (JSON) in <paramref name="dir"/> with <paramref name="search"/>'s options (less method and seed).</summary>
    public static string SpecFile(string dir, string name, string id, string[] methods, long[] seeds, Search.Runs.SearchOptions search)
    {
        var options = System.Text.Json.Nodes.JsonNode.Parse(SweepValidation.ToJson(search))!.AsObject();
        options.Remove("method");
        options.Remove("seed");
        var spec = new System.Text.Json.Nodes.JsonObject
        {
            ["name"] = name,
            ["id"] = id,
            ["methods"] = new System.Text.Json.Nodes.JsonArray([.. methods.Select(m => (System.Text.Json.Nodes.JsonNode)m)]),
            ["seeds"] = new System.Text.Json.Nodes.JsonArray([.. seeds.Select(x => (System.Text.Json.Nodes.JsonNode)x)]),
            ["search"] = options,
        };
        var path = Path.Combine(dir, "spec.json");
        File.WriteAllText(path, spec.ToJsonString());
        return path;
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
