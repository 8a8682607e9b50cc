using System.Diagnostics;
using System.Text.Json.Nodes;

namespace SingleDarts.Search.Tests;

/// <summary>The real <c>singledarts</c> program, run as a separate process.</summary>
public class CliTests
{
    private const string TinyArgs = "--channels 2 --cells 1 --image-size 8 --train-size 64 --synthetic-classes 4 --batch-size 16 --threads 1";

    private static (int Exit, string[] Out, string Err) Cli(string args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "singledarts.dll");
        var psi = new ProcessStartInfo("dotnet", $"\"{dll}\" {args}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), "singledarts did not finish");
        return (p.ExitCode, stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries), stderr.Result);
    }

    [Theory]
    [InlineData("search --method darts-v9", "--method")]
    [InlineData("search --epochs 0", "--epochs must be positive")]
    [InlineData("search --channels -3", "--channels must be positive")]
    [InlineData("search --epochs many", "many")]
    [InlineData("search --relax tanh", "--relax")]
    [InlineData("search --train-portion 1 --method darts-v1", "--train-portion")]
    [InlineData("search --resume", "--resume needs --out")]
    [InlineData("search --resume --out /nonexistent/run", "no checkpoint")]
    [InlineData("search --device tpu", "--device")]
    public void Bad_options_fail_with_one_line_and_exit_code_2(string args, string expected)
    {
        var (exit, _, err) = Cli(args);
        Assert.Equal(2, exit);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Search_writes_the_run_folder_and_ends_with_the_arch_line_and_resume_continues_it()
    {
        var dir = Tiny.TempDir();
        var (exit, stdout, err) = Cli($"search {TinyArgs} --epochs 1 --seed 4 --out {dir}");
        Assert.True(exit == 0, err);
        var result = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "result.json")))!;
        Assert.Equal($"arch: {(string?)result["arch"]}", stdout[^1]);
        Assert.Equal(4, (int)result["seed"]!);

        // an option that contradicts the run is refused; the run itself is not touched
        var (conflict, _, conflictErr) = Cli($"search --resume --out {dir} --seed 5");
        Assert.Equal(2, conflict);
        Assert.Contains("--seed", conflictErr);

        var (again, _, againErr) = Cli($"search {TinyArgs} --epochs 1 --seed 4 --out {dir}");
        Assert.Equal(2, again);
        Assert.Contains("--resume", againErr);
        Assert.Single(File.ReadAllLines(Path.Combine(dir, "epochs.jsonl")));
    }

    [Fact]
    public void Bench_prints_timings_for_every_method_as_json()
    {
        var (exit, stdout, err) = Cli("bench --channels 2 --cells 1 --image-size 8 --batch-size 8 --steps 2 --warmup 1 --threads 1 --loader false");
        Assert.True(exit == 0, err);
        var report = JsonNode.Parse(string.Join('\n', stdout))!;
        var methods = report["methods"]!.AsArray();
        Assert.Equal(["single", "darts-v1", "darts-v2"], methods.Select(m => (string)m!["method"]!));
        Assert.All(methods, m => Assert.True((double)m!["ms_per_step_median"]! > 0));
        Assert.All(methods, m => Assert.True((double)m!["peak_rss_mb"]! > 0));
    }
}
