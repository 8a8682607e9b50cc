using System.Text.RegularExpressions;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Data;
using SingleDarts.Search.Runs;

namespace SingleDarts.Search.Tests;

/// <summary>
/// A run stopped between two steps of an epoch (SIGTERM on a silo, Ctrl+C) writes a mid-epoch checkpoint and
/// continues from it bit for bit: the steps already trained are not trained again (issue 26.5).
/// </summary>
[Trait("Category", "integration")]
public sealed partial class MidEpochCheckpointTests
{
    /// <summary>Cancels the run after <paramref name="step"/> steps of <paramref name="epoch"/>, and records what the driver reports.</summary>
    private sealed class CancelMidEpoch(int epoch, int step, CancellationTokenSource cts) : IRunObserver
    {
        public List<string> Said { get; } = [];
        public List<StepInfo> Steps { get; } = [];
        public EpochProgress? ResumedAt { get; private set; }

        public void Started(RunStart start) => ResumedAt = start.ResumedAt;
        public void StepDone(StepInfo info)
        {
            Steps.Add(info);
            if (info.Epoch == epoch && info.Step == step) cts.Cancel();
        }
        public void Interrupted(EpochProgress at, int steps, long? bytes) => Said.Add($"{at.Epoch}/{at.Step}/{steps}/{bytes is not null}");
    }

    [GeneratedRegex("\"(step_seconds|seconds)\":[^,}]+")]
    private static partial Regex Seconds();

    private static string[] Lines(string dir) => [.. File.ReadAllLines(Path.Combine(dir, "epochs.jsonl")).Select(l => Seconds().Replace(l, ""))];

    [Theory]
    [InlineData("single", "nb201")]
    [InlineData("darts-v1", "nb201")]
    [InlineData("darts-v2", "nb201")]
    [InlineData("gdas", "nb201")]
    [InlineData("drnas", "nb201")]
    [InlineData("pc-darts", "nb201")]
    [InlineData("sdarts-rs", "nb201")]
    [InlineData("gdas", "darts")]
    [InlineData("pc-darts", "darts")]
    public void A_search_stopped_mid_epoch_resumes_from_that_step_bit_identical(string method, string space)
    {
        var options = Tiny.Options(method, seed: 7, epochs: 3) with { Channels = 4 };
        if (space == "darts") options = options with { Space = "darts", Cells = 3 };
        var straight = Tiny.TempDir();
        var full = SearchRunner.Run(options, straight);

        var dir = Tiny.TempDir();
        using var cts = new CancellationTokenSource();
        var stop = new CancelMidEpoch(2, 2, cts);
        Assert.ThrowsAny<OperationCanceledException>(() => SearchRunner.Run(options, dir, observer: stop, cancel: cts.Token));
        Assert.Equal(["2/2/4/True"], stop.Said);
        // the finished epoch's checkpoint stays beside the mid-epoch one
        Assert.Equal([1, 2], new RunFolder(dir).Checkpoints.Epochs());

        var again = new CancelMidEpoch(0, 0, new CancellationTokenSource());
        var resumed = SearchRunner.Run(options, dir, ResumeMode.Resume, again);
        Assert.Equal((2, 2), (again.ResumedAt!.Epoch, again.ResumedAt.Step));
        // epoch 2 continues at its step 3: steps 1–2 are not trained again
        Assert.Equal((2, 3), (again.Steps[0].Epoch, again.Steps[0].Step));
        Assert.Equal(2 + 4, again.Steps.Count);

        Assert.Equal(full.Alphas.SelectMany(r => r), resumed.Alphas.SelectMany(r => r));
        Assert.Equal(full.Arch, resumed.Arch);
        Assert.Equal(BitConverter.DoubleToInt64Bits(full.TrainLoss), BitConverter.DoubleToInt64Bits(resumed.TrainLoss));
        Assert.Equal(Lines(straight), Lines(dir));
        var (_, a) = TensorArchive.Read(Path.Combine(straight, "checkpoints", "epoch-0003.ckpt"));
        var (_, b) = TensorArchive.Read(Path.Combine(dir, "checkpoints", "epoch-0003.ckpt"));
        foreach (var (name, t) in a)
            Assert.True(t.bytes.SequenceEqual(b[name].bytes), $"{name} differs");
    }

    [Theory]
    [InlineData("nb201")]
    [InlineData("darts")]      // drop-path and cutout draw from the generators too
    public void An_evaluation_stopped_mid_epoch_resumes_from_that_step_bit_identical(string space)
    {
        var options = EvaluationTests.TinyEval(space, epochs: 3);
        var straight = Tiny.TempDir();
        var full = EvalRunner.Run(options, straight);

        var dir = Tiny.TempDir();
        using var cts = new CancellationTokenSource();
        var stop = new CancelMidEpoch(2, 3, cts);
        Assert.ThrowsAny<OperationCanceledException>(() => EvalRunner.Run(options, dir, observer: stop, cancel: cts.Token));
        Assert.Equal(["2/3/4/True"], stop.Said);
        var again = new CancelMidEpoch(0, 0, new CancellationTokenSource());
        var resumed = EvalRunner.Run(options, dir, resume: true, observer: again);

        Assert.Equal((2, 4), (again.Steps[0].Epoch, again.Steps[0].Step));
        Assert.Equal(Lines(straight), Lines(dir));
        Assert.Equal(BitConverter.DoubleToInt64Bits(full.TrainLoss), BitConverter.DoubleToInt64Bits(resumed.TrainLoss));
        Assert.Equal(full.Weights, resumed.Weights);
        Assert.Equal(full.TestAcc, resumed.TestAcc);
    }

    [Fact]
    public void A_damaged_mid_epoch_checkpoint_falls_back_to_the_finished_epoch_and_still_ends_bit_identical()
    {
        var options = Tiny.Options("darts-v1", seed: 8, epochs: 2);
        var full = SearchRunner.Run(options, Tiny.TempDir());
        var dir = Tiny.TempDir();
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => SearchRunner.Run(options, dir, observer: new CancelMidEpoch(2, 1, cts), cancel: cts.Token));
        var partial = Path.Combine(dir, "checkpoints", "epoch-0002.ckpt");
        File.WriteAllBytes(partial, File.ReadAllBytes(partial)[..1000]);

        var again = new CancelMidEpoch(0, 0, new CancellationTokenSource());
        var resumed = SearchRunner.Run(options, dir, ResumeMode.Resume, again);
        Assert.Null(again.ResumedAt);
        Assert.Equal((2, 1), (again.Steps[0].Epoch, again.Steps[0].Step));
        Assert.Equal(full.Alphas.SelectMany(r => r), resumed.Alphas.SelectMany(r => r));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(9)]
    public void Skipped_batches_make_their_draws_so_the_rest_of_the_order_is_unchanged(int skip)
    {
        var images = new ImageSet([.. Enumerable.Range(0, 20 * 48).Select(i => (byte)(i % 251))], [.. Enumerable.Range(0, 20).Select(i => i % 4)], 4, 4, ["a", "b", "c", "d"]);
        BatchLoader Loader() => new(images, [.. Enumerable.Range(0, 20)], 6, shuffle: true, augment: true, [0.5f, 0.5f, 0.5f], [0.2f, 0.2f, 0.2f],
            Rng.For(3, "skip-test"), cutout: 2);
        var all = Loader().Cycle(12).Select(b => { using (b) return (Tiny.Values(b.Images), Tiny.Values(b.Labels.to_type(TorchSharp.torch.ScalarType.Float32))); }).ToList();
        var rest = Loader().Cycle(12, skip).Select(b => { using (b) return (Tiny.Values(b.Images), Tiny.Values(b.Labels.to_type(TorchSharp.torch.ScalarType.Float32))); }).ToList();
        Assert.Equal(12 - skip, rest.Count);
        for (var i = 0; i < rest.Count; i++)
        {
            Assert.Equal(all[skip + i].Item1, rest[i].Item1);
            Assert.Equal(all[skip + i].Item2, rest[i].Item2);
        }
    }
}
