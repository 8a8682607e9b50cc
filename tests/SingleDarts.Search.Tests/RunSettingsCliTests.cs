namespace SingleDarts.Search.Tests;

/// <summary>The run commands' settings as the program sees them: the checkpoint retry budget and the thread warning.</summary>
[Trait("Category", "integration")]
public sealed class RunSettingsCliTests
{
    private const string TinyArgs = "--channels 2 --cells 1 --image-size 8 --train-size 64 --synthetic-classes 4 --batch-size 16 --hessian-every 0 --epochs 1";

    [Fact]
    public void The_documented_retry_setting_in_the_environment_is_read_by_a_search()
    {
        var (exit, _, err) = CliProcess.Run($"search {TinyArgs} --threads 1 --out {Tiny.TempDir()}",
            new Dictionary<string, string> { ["SingleDarts__Storage__CheckpointRetrySeconds"] = "soon" });
        Assert.Equal(2, exit);
        Assert.Equal("error: SingleDarts__Storage__CheckpointRetrySeconds must be a number of seconds, got 'soon'", err.Trim());
    }
}
