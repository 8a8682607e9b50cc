using SingleDarts.Abstractions;
using SingleDarts.Cli.Sweeps;

namespace SingleDarts.Grains.Tests;

/// <summary>What <c>sweep start</c> says of a sweep's size and pace.</summary>
[Trait("Category", "unit")]
public sealed class SweepProgressTests
{
    private static SweepStatus Sweep(int seeds, int done, int slots = 4) => new()
    {
        Id = "s",
        Spec = new SweepSpec { Methods = ["single", "darts-v1"], Seeds = [.. Enumerable.Range(0, seeds / 2).Select(i => (long)i)] },
        Slots = slots,
        Seeds = [.. Enumerable.Range(0, seeds).Select(i => new SeedStatus
        {
            Method = i % 2 == 0 ? "single" : "darts-v1",
            Seed = i / 2,
            Epochs = 10,
            EpochsDone = i < done ? 10 : 0,
            State = i < done ? SeedState.Completed : SeedState.Queued,
        })],
    };

    [Fact]
    public void The_plan_states_seeds_epochs_and_slots()
    {
        Assert.Equal("sweep s: 2 method(s) x 1,000 seed(s) = 2,000 seeds x 10 epochs (20,000 seed-epochs) on the local silo, 4 worker slot(s) now",
            SweepProgress.Plan(Sweep(2000, 0), "the local silo"));
    }

    [Fact]
    public void The_estimate_waits_for_timed_epochs_then_extrapolates_the_pace()
    {
        var start = DateTimeOffset.UnixEpoch;
        var progress = new SweepProgress(start);
        Assert.Null(progress.Estimate(Sweep(100, 0), start.AddMinutes(5)));                // nothing done yet
        Assert.Null(progress.Estimate(Sweep(100, 10), start.AddSeconds(2)));               // too early to tell
        // 10 of 100 seeds (100 of 1,000 seed-epochs) in 2 minutes: 50 a minute, 900 left
        Assert.Equal("about 18 min left at 50 seed-epochs/min", progress.Estimate(Sweep(100, 10), start.AddMinutes(2)));
        Assert.Equal("progress: 10 completed, 0 running, 90 queued, 0 failed of 100 seeds; 100/1,000 seed-epochs (10.0%); about 18 min left at 50 seed-epochs/min",
            progress.Line(Sweep(100, 10), start.AddMinutes(2)));
        // a slow sweep (hours of heavy epochs) says its pace with decimals, not "0 seed-epochs/min"
        Assert.Equal("about 330 h 0 min left at 0.05 seed-epochs/min", progress.Estimate(Sweep(100, 1), start.AddMinutes(200)));
    }

    [Fact]
    public void A_continued_sweep_is_timed_by_the_epochs_done_since_it_was_taken_up()
    {
        // 30 of 100 seeds were done before this process took the sweep up; 10 more in 2 minutes: 50 a minute, 600 left
        var start = DateTimeOffset.UnixEpoch;
        var progress = new SweepProgress(start, Sweep(100, 30));
        Assert.Null(progress.Estimate(Sweep(100, 30), start.AddMinutes(2)));
        Assert.Equal("about 12 min left at 50 seed-epochs/min", progress.Estimate(Sweep(100, 40), start.AddMinutes(2)));
    }

    [Fact]
    public void Unknown_figures_show_as_a_dash_not_NaN()
    {
        // a coordinator restarted from its row keeps accuracy and genotype but not loss or entropy
        var seed = new SeedStatus
        {
            Method = "single", Seed = 1, Epochs = 30, EpochsDone = 4, State = SeedState.Running, Silo = "s1",
            Last = new EpochSummary { Epoch = 4, TrainLoss = double.NaN, TrainAcc = double.NaN, ValidAcc = 0.3155, Arch = "a", Metrics = new() { ["cell.param_free"] = 0, ["alpha.entropy"] = double.NaN } },
        };
        MetricInfo[] metrics =
        [
            new() { Key = "cell.param_free", Column = "param-free", Headline = true, Decimals = 0 },
            new() { Key = "alpha.entropy", Column = "H(α)", Headline = true, Decimals = 4 },
            new() { Key = "nb201.test_acc", Column = "NB201 %", Headline = true },        // declared, no value: left out
        ];
        Assert.Equal("single seed 1: running on s1, epoch 4/30, loss –, valid 31.55%, param-free 0, H(α) –, a", SweepViews.Line(seed, metrics));
    }

    [Fact]
    public void Failed_and_cancelled_seeds_leave_their_remaining_epochs_out_of_the_total()
    {
        var sweep = Sweep(4, 0) with
        {
            Seeds = [
                new SeedStatus { Epochs = 10, EpochsDone = 3, State = SeedState.Failed },
                new SeedStatus { Epochs = 10, EpochsDone = 10, State = SeedState.Completed },
                new SeedStatus { Epochs = 10, EpochsDone = 5, State = SeedState.Running },
                new SeedStatus { Epochs = 10, EpochsDone = 0, State = SeedState.Cancelled },
            ],
        };
        Assert.Equal((18L, 23L), SweepProgress.Epochs(sweep));
    }
}
