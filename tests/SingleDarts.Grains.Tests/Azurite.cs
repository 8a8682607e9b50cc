using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// A real Azure Storage API for the tests: Azurite, the npm package pinned in the repository's
/// package.json / package-lock.json, installed with <c>npm ci</c> when missing, started on free
/// loopback ports with a storage account made up for this run (a random key, so no key is in the
/// repository), and stopped by its PID. Data persists in a folder, so <see cref="Stop"/> then
/// <see cref="Start"/> is an outage, not a wipe. Never skipped: a machine without node/npm fails
/// the Azure-backed tests, loudly.
/// </summary>
public sealed class Azurite : IAsyncLifetime
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);
    private readonly string account = "sdtest" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
    private readonly string location = Tiny.TempDir();
    private readonly StringBuilder output = new();
    private Process? process;

    public string Key { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
    public int BlobPort { get; } = CliProcess.FreePort();
    public int QueuePort { get; } = CliProcess.FreePort();
    public int TablePort { get; } = CliProcess.FreePort();

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={Key};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{account};QueueEndpoint=http://127.0.0.1:{QueuePort}/{account};TableEndpoint=http://127.0.0.1:{TablePort}/{account};";

    public Task InitializeAsync()
    {
        EnsureInstalled();
        Start();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Stop();
        try
        {
            Directory.Delete(location, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    public void Start()
    {
        if (process is { HasExited: false }) return;
        var exe = Path.Combine(Deploy.Root, "node_modules", ".bin", "azurite");
        var start = new ProcessStartInfo(exe,
            $"--blobHost 127.0.0.1 --blobPort {BlobPort} --queueHost 127.0.0.1 --queuePort {QueuePort} --tableHost 127.0.0.1 --tablePort {TablePort} " +
            $"--location {location} --skipApiVersionCheck --loose --disableProductStyleUrl --disableTelemetry")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["AZURITE_ACCOUNTS"] = $"{account}:{Key}";
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var until = DateTime.UtcNow + StartLimit;
        while (!(Listening(BlobPort) && Listening(TablePort) && Listening(QueuePort)))
        {
            if (process.HasExited || DateTime.UtcNow > until)
                throw new InvalidOperationException($"Azurite did not start on ports {BlobPort}/{QueuePort}/{TablePort}: {Output}");
            Thread.Sleep(100);
        }
    }

    /// <summary>
    /// Stops Azurite by its PID: SIGTERM (it saves its metadata and closes its ports), then SIGKILL,
    /// since node lingers after the first SIGTERM. The data stays on disk for <see cref="Start"/>.
    /// </summary>
    public void Stop() => Stop(crash: false);

    /// <summary>
    /// Kills Azurite with SIGKILL at once: a storage that dies without saving and comes back without its
    /// last acknowledged writes (Azurite keeps its metadata in memory between saves).
    /// </summary>
    public void Crash() => Stop(crash: true);

    private void Stop(bool crash)
    {
        if (process is null) return;
        if (crash && !process.HasExited) process.Kill(entireProcessTree: true);
        if (!process.HasExited)
        {
            _ = Kill(process.Id, SigTerm);
            var until = DateTime.UtcNow.AddSeconds(10);
            while (!process.HasExited && (Listening(BlobPort) || Listening(TablePort)) && DateTime.UtcNow < until) Thread.Sleep(50);
            Thread.Sleep(500);      // the metadata save that follows the ports closing
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        process.WaitForExit();
        process.Dispose();
        process = null;
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    private static bool Listening(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>npm ci from the lock file, once per machine, serialised across test processes.</summary>
    private static void EnsureInstalled()
    {
        var bin = Path.Combine(Deploy.Root, "node_modules", ".bin", "azurite");
        if (File.Exists(bin)) return;
        using var gate = WaitForLock(Path.Combine(Path.GetTempPath(), "singledarts-npm.lock"));
        if (File.Exists(bin)) return;
        var npm = new ProcessStartInfo("npm", "ci --no-audit --no-fund")
        {
            WorkingDirectory = Deploy.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process p;
        try
        {
            p = Process.Start(npm)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"the Azure-backed tests need Node.js and npm to install Azurite ({ex.Message})", ex);
        }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromMinutes(10))) p.Kill(entireProcessTree: true);
            p.WaitForExit();
            if (p.ExitCode != 0 || !File.Exists(bin))
                throw new InvalidOperationException($"npm ci failed to install Azurite (exit {p.ExitCode}): {stdout.Result}{stderr.Result}");
        }
    }

    private static FileStream WaitForLock(string path)
    {
        var until = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < until)
            {
                Thread.Sleep(500);
            }
        }
    }
}
