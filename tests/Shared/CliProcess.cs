using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SingleDarts.Tests;

/// <summary>
/// The built <c>singledarts</c> (copied next to the tests) as child processes: run to the end, or
/// started and watched (output collected as it comes), killed on dispose.
/// </summary>
internal sealed partial class CliProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new(), stderr = new();

    private CliProcess(string args, string program = "singledarts", IReadOnlyDictionary<string, string>? environment = null)
    {
        // A test folder that also holds the silo host (ASP.NET Core) gets the framework's copies of
        // Microsoft.Extensions.*, not the package files the CLI's deps.json names: the CLI finds them in the NuGet cache.
        process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet", CommandArguments(args, program)) { RedirectStandardOutput = true, RedirectStandardError = true },
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) process.StartInfo.Environment[key] = value;
        process.OutputDataReceived += (_, e) => { lock (stdout) if (e.Data is not null) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (stderr) if (e.Data is not null) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>What follows <c>dotnet</c> to run <paramref name="program"/> with <paramref name="args"/> (for a test that wraps the command).</summary>
    public static string CommandArguments(string args, string program = "singledarts") =>
        $"exec --additionalprobingpath \"{NuGetPackages}\" \"{Path.Combine(AppContext.BaseDirectory, program + ".dll")}\" {args}";

    private static string NuGetPackages => Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages ? packages
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    public static CliProcess Start(string args, IReadOnlyDictionary<string, string>? environment = null) => new(args, environment: environment);

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

    public int ExitCode => process.ExitCode;

    /// <summary>Sends SIGTERM (what Kubernetes sends on a rolling update or a node drain) and returns at once.</summary>
    public void Terminate()
    {
        if (!process.HasExited && Kill(process.Id, 15) != 0) throw new InvalidOperationException($"kill -TERM {process.Id} failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits for the process to end by itself; false when it still runs after <paramref name="limit"/>.</summary>
    public bool WaitForExitOnly(TimeSpan limit) => process.WaitForExit(limit);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Kills the process if it still runs (SIGKILL: what a crash or an evicted pod looks like). Idempotent.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.Dispose();
    }

    private bool disposed;

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
