using SingleDarts.Abstractions;
using SingleDarts.Cli.Sweeps;

namespace SingleDarts.Grains.Tests;

/// <summary>How the CLI reports failed seeds: once per reason, and loudly at the end.</summary>
[Trait("Category", "unit")]
public sealed class SweepFailuresTests
{
    private static SeedStatus Seed(string method, long seed, SeedState state, string? reason = null, int epochsDone = 0, int finishedSecond = 0) => new()
    {
        SweepId = "s",
        Method = method,
        Seed = seed,
        State = state,
        Reason = reason,
        EpochsDone = epochsDone,
        FinishedAt = DateTimeOffset.UnixEpoch.AddSeconds(finishedSecond),
    };

    [Fact]
    public void Repeats_of_a_first_epoch_failure_are_folded_into_one_line_per_reason()
    {
        var failures = new SweepFailures();
        Assert.True(failures.ShouldPrint(Seed("single", 0, SeedState.Running)));
        Assert.True(failures.ShouldPrint(Seed("single", 0, SeedState.Failed, "the training loss became NaN at epoch 1, step 2")));
        Assert.False(failures.ShouldPrint(Seed("single", 1, SeedState.Failed, "the training loss became NaN at epoch 1, step 3")));
        Assert.False(failures.ShouldPrint(Seed("darts-v1", 0, SeedState.Failed, "the training loss became NaN at epoch 1, step 2")));
        Assert.True(failures.ShouldPrint(Seed("darts-v1", 1, SeedState.Failed, "the gradient of α became NaN at epoch 1, step 2")));
        // a seed that got further has a story of its own
        Assert.True(failures.ShouldPrint(Seed("single", 2, SeedState.Failed, "the training loss became NaN at epoch 7, step 2", epochsDone: 6)));
        Assert.True(failures.ShouldPrint(Seed("single", 3, SeedState.Completed)));

        var line = Assert.Single(failures.FoldedLines());
        Assert.Equal("2 more seed(s) failed in their first epoch the same way (single 1, darts-v1 0): the training loss became NaN at epoch 1, step 3", line);
    }

    [Fact]
    public void The_summary_counts_failures_per_method_and_names_the_first()
    {
        var some = new SweepStatus
        {
            Id = "s",
            Seeds =
            [
                Seed("single", 0, SeedState.Completed, finishedSecond: 1),
                Seed("darts-v1", 0, SeedState.Failed, "late", finishedSecond: 9),
                Seed("darts-v1", 1, SeedState.Failed, "early", finishedSecond: 3),
            ],
        };
        Assert.Equal("2 of 3 seeds failed (darts-v1: 2); first: darts-v1 seed 1: early", SweepFailures.Summary(some));
        Assert.False(SweepFailures.AllFailed(some));
        Assert.True(SweepFailures.AllFailed(some with { Seeds = some.Seeds[1..] }));
        Assert.Null(SweepFailures.Summary(some with { Seeds = some.Seeds[..1] }));
        Assert.False(SweepFailures.AllFailed(some with { Seeds = [] }));
    }
}
