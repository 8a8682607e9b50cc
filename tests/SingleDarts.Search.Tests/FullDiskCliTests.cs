using System.Diagnostics;
using SingleDarts.Tests;

namespace SingleDarts.Search.Tests;

/// <summary>
/// `singledarts search` with --out on a real, small tmpfs (mounted in a user namespace: <c>unshare -rm</c>, no root needed where
/// unprivileged user namespaces are allowed; skipped elsewhere). The run must stop at once, exit 1 with one line, keep its earlier
/// checkpoints and leave no temporary file.
/// </summary>
[Trait("Category", "integration")]
public sealed class FullDiskCliTests
{
    private const string Args = "search --channels 8 --cells 1 --image-size 8 --train-size 32 --synthetic-classes 4 --batch-size 16 --hessian-every 0 --threads 1";

    [SkippableFact]
    public void A_search_whose_disk_fills_up_stops_at_once_with_one_line_and_keeps_its_checkpoints()
    {
        var mount = Mountable();
        // the size of one checkpoint, from the same run on an ordinary disk
        var probe = Tiny.TempDir();
        Assert.Equal(0, CliProcess.Run($"{Args} --epochs 1 --out {probe}").Exit);
        var checkpoint = new FileInfo(Path.Combine(probe, "checkpoints", "epoch-0001.ckpt")).Length;
        // room for two checkpoints, not three: epochs 1 and 2 are saved; epoch 3's is written before the oldest is pruned
        var size = (2 * checkpoint + checkpoint / 2 + 65536) / 4096 * 4096;

        var (exit, files, err, seconds) = InTmpfs(mount, size, $"{Args} --epochs 4 --out {mount}/run");

        Assert.Equal(1, exit);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches($@"^error: no space left on the device of {mount}/run/checkpoints: writing epoch-0003\.ckpt needs [\d.]+ (KiB|MiB), [\d.]+ (B|KiB|MiB) free; " +
                       "the run stopped, its earlier checkpoints intact: free space, then continue it with --resume$", line);
        Assert.Equal(["run/checkpoints/epoch-0001.ckpt", "run/checkpoints/epoch-0002.ckpt", "run/config.json", "run/epochs.jsonl"], files);
    }

    [SkippableFact]
    public void A_search_on_a_disk_full_from_the_start_stops_with_one_line_and_leaves_no_temporary_file()
    {
        var mount = Mountable();
        var (exit, files, err, _) = InTmpfs(mount, 65536, $"{Args} --epochs 1 --out {mount}/run", fill: true);

        Assert.Equal(1, exit);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: no space left on the device of {mount}/run: writing config.json needs ", line);
        Assert.Equal(["fill"], files);      // no config.json, no config.json.tmp
    }

    private static string Mountable()
    {
        var mount = Path.Combine(Tiny.TempDir(), "mnt");
        Directory.CreateDirectory(mount);
        var (exit, _, err) = Shell($"mount -t tmpfs -o size=64k tmpfs {mount}");
        Skip.If(exit != 0, $"cannot mount a tmpfs in a user namespace here (unshare -rm: {err.Trim()})");
        return mount;
    }

    /// <summary>Runs the CLI with a tmpfs of <paramref name="bytes"/> at <paramref name="mount"/>; the files left there, sorted, after it ends.</summary>
    private static (int Exit, string[] Files, string Err, double Seconds) InTmpfs(string mount, long bytes, string args, bool fill = false)
    {
        var clock = Stopwatch.StartNew();
        var script = $"mount -t tmpfs -o size={bytes} tmpfs {mount} || exit 99; " +
                     (fill ? $"dd if=/dev/zero of={mount}/fill bs=4096 2>/dev/null; " : "") +
                     $"dotnet {CliProcess.CommandArguments(args).Replace("'", "'\\''")} >/dev/null; rc=$?; " +
                     $"echo '--- files'; cd {mount} && find . -type f | sed 's|^\\./||' | LC_ALL=C sort; exit $rc";
        var (exit, stdout, err) = Shell(script);
        var files = stdout[(stdout.IndexOf("--- files\n", StringComparison.Ordinal) + 10)..].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (exit, files, err, clock.Elapsed.TotalSeconds);
    }

    private static (int Exit, string Out, string Err) Shell(string script)
    {
        var start = new ProcessStartInfo("unshare", ["-rm", "sh", "-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("the search in the tmpfs did not end in 5 minutes");
            }
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (127, "", ex.Message);       // no unshare
        }
    }
}
