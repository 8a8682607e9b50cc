namespace SingleDarts.Search.Tests;

/// <summary>The run commands' settings as the program sees them: the checkpoint retry budget and the thread warning.</summary>
[Trait("Category", "integration")]
public sealed class RunSettingsCliTests
{
    private const string TinyArgs = "--channels 2 --cells 1 --image-size 8 --train-size 64 --synthetic-classes 4 --batch-size 16 --hessian-every 0 --epochs 1";

    [Fact]
    public void More_threads_than_cores_run_with_a_one_line_warning()
    {
        var threads = Math.Min(Environment.ProcessorCount + 1, Options.ThreadCount.Max);
        var (exit, _, err) = CliProcess.Run($"search {TinyArgs} --threads {threads} --out {Tiny.TempDir()}");
        Assert.Equal(0, exit);
        Assert.Equal($"warning: --threads {threads} is more than this machine's {Environment.ProcessorCount} cores: the run is slower (the threads contend), its results the same",
            Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void The_documented_retry_setting_in_the_environment_is_read_by_a_search()
    {
        var (exit, _, err) = CliProcess.Run($"search {TinyArgs} --threads 1 --out {Tiny.TempDir()}",
            new Dictionary<string, string> { ["SingleDarts__Storage__CheckpointRetrySeconds"] = "soon" });
        Assert.Equal(2, exit);
        Assert.Equal("error: SingleDarts__Storage__CheckpointRetrySeconds must be a number of seconds, got 'soon'", err.Trim());
    }
}
