using System.Text.Json;
using System.Text.Json.Nodes;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Runs;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

[Trait("Category", "unit")]
public class RunTests
{
    private sealed class CancelAfter(int epochs, CancellationTokenSource cts) : IRunObserver
    {
        public void EpochDone(EpochRecord record)
        {
            if (record.Epoch >= epochs) cts.Cancel();
        }
    }

    [Theory]
    [InlineData("single")]
    [InlineData("darts-v1")]
    [InlineData("darts-v2")]
    public void Same_seed_gives_identical_alphas_and_another_seed_does_not(string method)
    {
        var a = SearchRunner.Run(Tiny.Options(method, seed: 1), Tiny.TempDir());
        var b = SearchRunner.Run(Tiny.Options(method, seed: 1), Tiny.TempDir());
        var c = SearchRunner.Run(Tiny.Options(method, seed: 2), Tiny.TempDir());
        Assert.Equal(Flat(a.Alphas), Flat(b.Alphas));
        Assert.Equal(a.Arch, b.Arch);
        Assert.NotEqual(Flat(a.Alphas), Flat(c.Alphas));
    }

    [Theory]
    [InlineData("single")]
    [InlineData("darts-v1")]
    [InlineData("darts-v2")]
    [InlineData("gdas")]
    [InlineData("drnas")]
    [InlineData("pc-darts")]
    [InlineData("sdarts-rs")]
    [InlineData("darts-minus")]
    [InlineData("beta-darts")]
    public void Resuming_after_an_epoch_ends_bit_identical_to_the_uninterrupted_run(string method)
    {
        // 4 channels: PC-DARTS' K = 4 must divide them
        var options = Tiny.Options(method, seed: 3, epochs: 3) with { Channels = 4 };
        var straight = Tiny.TempDir();
        var interrupted = Tiny.TempDir();
        var full = SearchRunner.Run(options, straight);

        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => SearchRunner.Run(options, interrupted, observer: new CancelAfter(1, cts), cancel: cts.Token));
        Assert.Single(File.ReadAllLines(Path.Combine(interrupted, "epochs.jsonl")));
        var resumed = SearchRunner.Run(options, interrupted, resume: true);

        Assert.Equal(Flat(full.Alphas), Flat(resumed.Alphas));
        Assert.Equal(full.Arch, resumed.Arch);
        Assert.Equal(full.TrainLoss, resumed.TrainLoss);
        Assert.Equal(WithoutSeconds(straight), WithoutSeconds(interrupted));

        // every tensor of the final state (w, BatchNorm statistics, α, optimiser moments) agrees bit for bit
        var (_, a) = TensorArchive.Read(Path.Combine(straight, "checkpoints", "epoch-0003.ckpt"));
        var (_, b) = TensorArchive.Read(Path.Combine(interrupted, "checkpoints", "epoch-0003.ckpt"));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, t) in a)
            Assert.True(t.bytes.SequenceEqual(b[name].bytes), $"{name} differs");
    }

    [Fact]
    public void A_run_folder_holds_config_epochs_result_and_checkpoint()
    {
        var dir = Tiny.TempDir();
        var result = SearchRunner.Run(Tiny.Options("darts-v1", epochs: 2), dir);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!;
        Assert.Equal("darts-v1", (string?)config["options"]!["method"]);
        Assert.Equal(Tiny.Threads, (int)config["environment"]!["threads"]!);
        Assert.False(string.IsNullOrEmpty((string?)config["environment"]!["torchsharp"]));
        Assert.False(string.IsNullOrEmpty((string?)config["environment"]!["libtorch"]));
        Assert.Equal("cpu", (string?)config["environment"]!["device"]);
        Assert.Equal(64, (int)config["data"]!["search_images"]!);
        Assert.Equal(64, (int)config["data"]!["validation_images"]!);
        Assert.Equal("search", (string?)config["kind"]);
        // the run folder describes its numbers: every declaration, with its range
        var declared = config["metrics"]!.AsArray().Select(m => (string)m!["key"]!).ToList();
        Assert.Equal(["cell.param_free", "cell.skip_connect", "alpha.entropy", "hessian.lambda_max"], declared);      // synthetic data: no table, no benchmark numbers
        Assert.Equal(6, (double)config["metrics"]![0]!["max"]!);

        var lines = File.ReadAllLines(Path.Combine(dir, "epochs.jsonl"));
        Assert.Equal(2, lines.Length);
        foreach (var (line, i) in lines.Select((l, i) => (l, i)))
        {
            var e = JsonNode.Parse(line)!.AsObject();
            foreach (var key in new[] { "epoch", "train_loss", "train_acc", "valid_acc", "arch", "alphas", "slots", "metrics" })
                Assert.True(e.ContainsKey(key), $"epochs.jsonl lacks {key}");
            // every declared metric of the run is in the epoch (a table-less synthetic run: the cell's counts, α's entropy and λ_max)
            Assert.Equal(["alpha.entropy", "cell.param_free", "cell.skip_connect", "hessian.lambda_max"], e["metrics"]!.AsObject().Select(kv => kv.Key));
            Assert.Equal(i + 1, (int)e["epoch"]!);
            Assert.Equal(6, e["alphas"]!.AsArray().Count);
            Assert.Equal(5, e["alphas"]![0]!.AsArray().Count);
        }

        var r = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "result.json")))!.AsObject();
        foreach (var key in new[] { "space", "method", "seed", "epochs", "arch", "alphas", "metrics", "seconds" })
            Assert.True(r.ContainsKey(key), $"result.json lacks {key}");
        Assert.Equal(result.Arch, (string?)r["arch"]);
        Assert.Equal((string?)JsonNode.Parse(lines[^1])!["arch"], result.Arch);
        Assert.True(File.Exists(Path.Combine(dir, "checkpoints", "epoch-0002.ckpt")));
    }

    [Fact]
    public void Single_level_learns_the_synthetic_task()
    {
        var options = Tiny.Options("single", seed: 0, epochs: 4) with { Channels = 4, TrainSize = 512, BatchSize = 32 };
        var result = SearchRunner.Run(options, Tiny.TempDir());
        // 4 classes: chance is 25%
        Assert.True(result.ValidAcc > 0.5, $"held-out accuracy {result.ValidAcc} after 4 epochs");
    }

    [Fact]
    public void Train_portion_one_lets_single_use_everything_and_reports_test_accuracy()
    {
        using var run = new SearchRun(Tiny.Options("single") with { TrainPortion = 1 });
        Assert.Equal(128, run.SearchImages);
        Assert.Equal("test", run.ValidSource);
        Assert.NotNull(run.RunEpoch().ValidAcc);
        Assert.Throws<SearchConfigException>(() => new SearchRun(Tiny.Options("darts-v1") with { TrainPortion = 1 }));
    }

    [Fact]
    public void A_loss_that_becomes_infinite_stops_the_run_naming_epoch_and_step()
    {
        var options = Tiny.Options("single") with { Optimizer = new() { Lr = 1e30, LrMin = 1e30, GradClip = 0 } };
        var ex = Assert.Throws<SearchDivergedException>(() => SearchRunner.Run(options, Tiny.TempDir()));
        Assert.Equal(1, ex.Epoch);
        Assert.InRange(ex.Step, 1, 4);
    }

    [Fact]
    public void A_damaged_lone_checkpoint_is_refused_naming_the_damage()
    {
        var dir = Tiny.TempDir();
        SearchRunner.Run(Tiny.Options(epochs: 1), dir);
        var path = Path.Combine(dir, "checkpoints", "epoch-0001.ckpt");
        var bytes = File.ReadAllBytes(path);
        bytes[^10] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<InvalidDataException>(() => TensorArchive.Read(path));
        Assert.Contains("checksum", ex.Message);
        var resume = Assert.Throws<SearchConfigException>(() => SearchRunner.Run(Tiny.Options(epochs: 2), dir, resume: true));
        Assert.Contains("no usable checkpoint", resume.Message);
        Assert.Contains("damaged", resume.Message);
    }

    [Fact]
    public void Resuming_with_other_options_is_refused()
    {
        var dir = Tiny.TempDir();
        SearchRunner.Run(Tiny.Options(epochs: 1), dir);
        var ex = Assert.Throws<SearchConfigException>(() => SearchRunner.Run(Tiny.Options(epochs: 2, seed: 9), dir, resume: true));
        Assert.Contains("seed", ex.Message);
        Assert.Throws<SearchConfigException>(() => SearchRunner.Run(Tiny.Options(epochs: 1), dir));
    }

    [Fact]
    public void Invalid_options_are_all_reported()
    {
        var problems = (Tiny.Options() with { Method = "darts-v3", Epochs = 0, Channels = -1, BatchSize = 0 }).Validate();
        Assert.Contains(problems, p => p.Contains("--method") && p.Contains("darts-v3"));
        Assert.Contains(problems, p => p.Contains("--epochs"));
        Assert.Contains(problems, p => p.Contains("--channels"));
        Assert.Contains(problems, p => p.Contains("--batch-size"));
        Assert.Empty(Tiny.Options().Validate());
    }

    private static float[] Flat(float[][] m) => m.SelectMany(r => r).ToArray();

    private static string[] WithoutSeconds(string dir) =>
        File.ReadAllLines(Path.Combine(dir, "epochs.jsonl")).Select(l =>
        {
            var o = JsonNode.Parse(l)!.AsObject();
            o.Remove("seconds");        // wall times: the only fields that may differ
            o.Remove("step_seconds");
            return o.ToJsonString();
        }).ToArray();

    private sealed class StopAt(int epoch) : IRunObserver
    {
        public int Epochs { get; private set; }

        public void EpochDone(EpochRecord record) => Epochs++;

        public bool StopAfter(EpochRecord record) => record.Epoch >= epoch;
    }

    [Fact]
    public void An_observer_can_stop_a_run_after_an_epoch_and_a_resumed_stopped_run_stops_again_at_once()
    {
        var dir = Tiny.TempDir();
        var options = Tiny.Options(epochs: 4);
        var stop = new StopAt(2);
        var result = SearchRunner.Run(options, dir, observer: stop);
        Assert.Equal((2, 2), (result.Epochs, stop.Epochs));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, "epochs.jsonl")).Length);
        Assert.True(File.Exists(Path.Combine(dir, "result.json")));

        // lost before anything else happened: resumed, it trains no epoch and writes the same result
        File.Delete(Path.Combine(dir, "result.json"));
        var again = new StopAt(2);
        var resumed = SearchRunner.Run(options, dir, resume: true, observer: again);
        Assert.Equal((2, 0), (resumed.Epochs, again.Epochs));
        Assert.Equal(result.Arch, resumed.Arch);
    }
}
