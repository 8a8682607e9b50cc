using SingleDarts.Search.Options;

namespace SingleDarts.Search.Tests;

[Trait("Category", "unit")]
public sealed class ThreadCountTests
{
    [Theory]
    [InlineData(1, 2, 2)]       // one slot: every core
    [InlineData(2, 2, 1)]       // the study's two slots on two cores: one thread each, not 2 × 2
    [InlineData(3, 2, 1)]       // more slots than cores: still one
    [InlineData(4, 16, 4)]
    [InlineData(3, 16, 5)]      // rounded down: slots × threads never exceeds the cores
    public void A_workers_default_shares_its_cores_among_its_slots(int slots, int cores, int expected)
    {
        Assert.Equal(expected, ThreadCount.PerSlot(slots, cores));
        Assert.True(slots * expected <= Math.Max(cores, slots));
        Assert.Null(ThreadCount.Oversubscription(expected, slots, Math.Max(cores, slots)));
    }

    [Fact]
    public void Counts_above_the_limit_are_refused_in_one_line_and_counts_above_the_cores_only_warned_about()
    {
        Assert.Null(ThreadCount.Problem(ThreadCount.Max));
        Assert.StartsWith("--threads must be in 1..256 (libtorch threads; this machine has ", ThreadCount.Problem(100_000));
        Assert.Contains(new SearchOptions { Threads = 100_000 }.Validate(), p => p.StartsWith("--threads must be in 1..256", StringComparison.Ordinal));
        Assert.Contains(new EvalOptions { Threads = 0 }.Validate(), p => p.StartsWith("--threads must be in 1..256", StringComparison.Ordinal));
        Assert.Equal("--threads 64 is more than this machine's 2 cores: the run is slower (the threads contend), its results the same",
            ThreadCount.Oversubscription(64, cores: 2));
        Assert.Null(ThreadCount.Oversubscription(2, cores: 2));
        Assert.Equal("2 slots × 2 threads is more than this machine's 2 cores: the runs are slower (the threads contend), their results the same",
            ThreadCount.Oversubscription(2, runs: 2, cores: 2));
    }

    [Fact]
    public void A_seeds_options_leave_the_threads_to_its_worker_only_when_the_spec_does_not_set_them()
    {
        var json = SearchOptionsJson.ToJson(new SearchOptions { Threads = 3 });
        Assert.True(ThreadCount.IsSet(json));
        var open = ThreadCount.Unset(json);
        Assert.False(ThreadCount.IsSet(open));
        var problems = new List<string>();
        Assert.Equal(ThreadCount.Default, SearchOptionsJson.Parse(open, problems)!.Threads);
        Assert.Empty(problems);
    }
}
