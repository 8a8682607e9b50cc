using SingleDarts.Search.Data;
using SingleDarts.Search.Optim;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Spaces.Darts;
using SingleDarts.Search.Spaces.Nb201;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>The evaluation networks and the from-scratch training of a genotype.</summary>
[Trait("Category", "unit")]
public class EvaluationTests
{
    private static DartsGenotype Named(string name) => DartsGenotype.Parse(DartsSpace.Instance.NamedGenotypes[name]);

    /// <summary>The DARTS paper's NetworkCIFAR as its code builds it, with 10 classes.</summary>
    [Theory]
    [InlineData("darts_v2", 36, 20, false, 3_349_342)]
    [InlineData("darts_v2", 36, 20, true, 3_825_768)]
    [InlineData("darts_v1", 36, 20, false, 3_169_414)]
    [InlineData("darts_v2", 16, 8, false, 246_106)]
    public void The_darts_evaluation_network_has_the_published_weight_counts(string arch, int channels, int layers, bool auxiliary, long expected)
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var g = new Generator(0, CPU);
        using var net = new DartsEvalNetwork(Named(arch), channels, layers, 10, auxiliary, g);
        Assert.Equal(expected, auxiliary ? net.AllWeightCount : net.WeightCount);
        Assert.Equal(auxiliary, net.HasAuxiliary);
        if (auxiliary) Assert.Equal(3_349_342, net.WeightCount);   // the head is left out of the reported size
    }

    /// <summary>NAS-Bench-201's TinyNetwork, counted from its definition: stem, cells of the genotype, residual blocks, head.</summary>
    [Theory]
    [InlineData("resnet", 16, 5)]
    [InlineData("all_skip", 16, 5)]
    [InlineData("|nor_conv_1x1~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|nor_conv_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|", 8, 2)]
    public void The_nb201_evaluation_network_counts_as_its_definition(string arch, int c, int n)
    {
        var genotype = Genotype.Parse(Genotypes.Resolve(Nb201Space.Instance, arch));
        long Cell(long ch) => genotype.Ops.Sum(op => op switch
        {
            Primitives.Conv3x3 => 9 * ch * ch + 2 * ch,
            Primitives.Conv1x1 => ch * ch + 2 * ch,
            _ => 0L,
        });
        long Block(long i, long o) => 9 * i * o + 2 * o + 9 * o * o + 2 * o + i * o;
        var expected = 27L * c + 2 * c + n * (Cell(c) + Cell(2 * c) + Cell(4 * c)) + Block(c, 2 * c) + Block(2 * c, 4 * c) + 2 * 4 * c + 4 * c * 10 + 10;
        TorchRuntime.Configure(Tiny.Threads);
        using var g = new Generator(0, CPU);
        using var net = Nb201Space.Instance.BuildNetwork(genotype, c, n, 10, auxiliary: false, g);
        Assert.Equal(expected, net.WeightCount);
        using var x = randn(2, 3, 8, 8);
        var (logits, aux) = net.Forward(x);
        using (logits)
            Assert.Equal([2L, 10L], logits.shape);
        Assert.Null(aux);
    }

    /// <summary>
    /// A training step of many NAS-Bench-201 cells: a cell whose node sums start with a skip_connect (an alias of
    /// another node) once had that node modified in place, which libtorch answers by aborting the process.
    /// </summary>
    [Fact]
    public void Every_kind_of_nb201_cell_trains_a_step_with_finite_gradients()
    {
        TorchRuntime.Configure(Tiny.Threads);
        var rng = new Random(11);
        var cells = Enumerable.Range(0, 150).Select(_ => Enumerable.Range(0, 6).Select(_ => rng.Next(5)).ToArray())
            .Append([Primitives.SkipConnect, Primitives.SkipConnect, Primitives.Conv3x3, Primitives.SkipConnect, Primitives.Conv1x1, Primitives.AvgPool3x3])
            .Append([.. Enumerable.Repeat(Primitives.SkipConnect, 6)]).Append([.. Enumerable.Repeat(Primitives.None, 6)]);
        using var x = randn(4, 3, 8, 8);
        using var labels = tensor(new long[] { 0, 1, 2, 3 });
        foreach (var ops in cells)
        {
            using var g = new Generator(0, CPU);
            using var net = Nb201Space.Instance.BuildNetwork(new Genotype(ops), 2, 1, 4, auxiliary: false, g);
            using var scope = NewDisposeScope();
            var (logits, _) = net.Forward(x);
            var loss = nn.functional.cross_entropy(logits, labels);
            var grads = autograd.grad([loss], [.. net.parameters()], allow_unused: true);
            Assert.All(grads.Where(t => !t.IsInvalid), t => Assert.True(t.isfinite().all().item<bool>()));
        }
    }

    [Fact]
    public void The_auxiliary_head_speaks_only_in_training_and_drop_path_only_then_too()
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var g = new Generator(1, CPU);
        using var net = new DartsEvalNetwork(Named("darts_v2"), 4, 3, 10, auxiliary: true, g);
        using var x = randn(2, 3, 32, 32);
        net.train(true);
        var (logits, aux) = net.Forward(x);
        Assert.NotNull(aux);
        Assert.Equal([2L, 10L], aux!.shape);
        logits.Dispose();
        aux.Dispose();
        net.train(false);
        net.DropPathProb = 0.5;
        using var _ = no_grad();
        var (a, noAux) = net.Forward(x);
        var (b, _) = net.Forward(x);
        Assert.Null(noAux);
        Assert.Equal(Tiny.Values(a), Tiny.Values(b));    // no drop-path in eval mode: deterministic
    }

    [Fact]
    public void Published_genotypes_resolve_by_name_and_bad_ones_are_named()
    {
        Assert.Equal(DartsSpace.Instance.NamedGenotypes["darts_v2"], Genotypes.Resolve(DartsSpace.Instance, "DARTS_V2"));
        Assert.Equal(3, DartsGenotype.Parse(Genotypes.Resolve(DartsSpace.Instance, "darts_v1")).SkipConnects);  // DARTS_V1's normal cell
        var errors = (EvalOptions.For("darts") with { Arch = "darts_v3" }).Validate();
        Assert.Contains(errors, e => e.StartsWith("--arch: ", StringComparison.Ordinal));
        errors = (EvalOptions.For("nb201") with { Arch = "resnet", AuxiliaryWeight = 0.4 }).Validate();
        Assert.Contains("--auxiliary-weight: the nb201 evaluation network has no auxiliary head (use 0)", errors);
        Assert.Contains(EvalOptions.For("nb201").Validate(), e => e.StartsWith("--arch: a nb201 genotype is needed", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_space_brings_its_published_protocol()
    {
        var nb = EvalOptions.For("nb201");
        Assert.Equal((16, 5, 200, 256, 0.1, 0.0, 0.9, true, 5e-4), (nb.Channels, nb.Cells, nb.Epochs, nb.BatchSize, nb.Lr, nb.LrMin, nb.Momentum, nb.Nesterov, nb.WeightDecay));
        var d = EvalOptions.For("darts");
        Assert.Equal((36, 20, 600, 96, 0.025, 0.9, false, 3e-4, 5.0, 0.4, 0.2, 16),
            (d.Channels, d.Cells, d.Epochs, d.BatchSize, d.Lr, d.Momentum, d.Nesterov, d.WeightDecay, d.GradClip, d.AuxiliaryWeight, d.DropPath, d.Cutout));
    }

    [Fact]
    public void Nesterov_sgd_is_pytorchs()
    {
        // torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.5, nesterov=True), p = 1, grads 2 then 1:
        // d1 = 2 + 0.5 = 2.5; buf = 2.5; p = 1 - 0.1·(2.5 + 0.9·2.5) = 0.525
        // d2 = 1 + 0.5·0.525 = 1.2625; buf = 0.9·2.5 + 1.2625 = 3.5125; p = 0.525 - 0.1·(1.2625 + 0.9·3.5125) = 0.082625
        using var p = tensor(new[] { 1f });
        using var sgd = new Sgd([p], 0.9, 0.5, nesterov: true);
        using (var g1 = tensor(new[] { 2f })) sgd.Step([g1], 0.1);
        Assert.Equal(0.525, Tiny.Values(p)[0], 1e-6);
        using (var g2 = tensor(new[] { 1f })) sgd.Step([g2], 0.1);
        Assert.Equal(0.082625, Tiny.Values(p)[0], 1e-6);
    }

    [Fact]
    public void Cutout_zeroes_one_square_per_image_and_draws_after_crop_and_flip()
    {
        var images = new ImageSet(Enumerable.Repeat((byte)200, 4 * 3 * 12 * 12).ToArray(), [0, 1, 0, 1], 12, 12, ["a", "b"]);
        float[] mean = [0f, 0f, 0f], std = [1f, 1f, 1f];
        var loader = new BatchLoader(images, [0, 1, 2, 3], 4, shuffle: false, augment: false, mean, std, new Rng(5), cutout: 4);
        using var batch = loader.Epoch().Single();
        var values = Tiny.Values(batch.Images);
        for (var i = 0; i < 4; i++)
        {
            var zeros = values.Skip(i * 3 * 144).Take(3 * 144).Count(v => v == 0f);
            Assert.InRange(zeros, 3 * 4, 3 * 16);   // a 4×4 square, clipped at the border to no less than 2×2
            Assert.Equal(0, zeros % 3);
        }
    }

    internal static EvalOptions TinyEval(string space, int epochs = 2) => space == "darts"
        ? EvalOptions.For("darts") with
        {
            Channels = 2, Cells = 3, Epochs = epochs, BatchSize = 16, ImageSize = 32, TrainSize = 64, SyntheticClasses = 4,
            Threads = Tiny.Threads, Cutout = 6, AuxiliaryWeight = 0.4, DropPath = 0.3,
        } with { Arch = DartsSpace.Instance.NamedGenotypes["darts_v2"] }
        : EvalOptions.For("nb201") with
        {
            Arch = Nb201Space.Instance.NamedGenotypes["resnet"], Channels = 2, Cells = 1, Epochs = epochs, BatchSize = 16, ImageSize = 8, TrainSize = 64,
            SyntheticClasses = 4, Threads = Tiny.Threads,
        };

    private sealed class CancelAfter(int epochs, CancellationTokenSource cts) : IRunObserver
    {
        public void EpochDone(EpochRecord record)
        {
            if (record.Epoch >= epochs) cts.Cancel();
        }
    }

    [Theory]
    [InlineData("nb201")]
    [InlineData("darts")]
    public void An_evaluation_resumes_bit_identical(string space)
    {
        var options = TinyEval(space, epochs: 3);
        var straight = Tiny.TempDir();
        var interrupted = Tiny.TempDir();
        var full = EvalRunner.Run(options, straight);
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => EvalRunner.Run(options, interrupted, observer: new CancelAfter(1, cts), cancel: cts.Token));
        var resumed = EvalRunner.Run(options, interrupted, resume: true);

        static string[] Lines(string dir) => [.. File.ReadAllLines(Path.Combine(dir, "epochs.jsonl"))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"(step_seconds|seconds)\":[^,}]+", ""))];
        Assert.Equal(3, Lines(straight).Length);
        Assert.Equal(Lines(straight), Lines(interrupted));
        Assert.Equal(BitConverter.DoubleToInt64Bits(full.TrainLoss), BitConverter.DoubleToInt64Bits(resumed.TrainLoss));
        Assert.Equal(full.TestAcc, resumed.TestAcc);
        Assert.Equal(full.Weights, resumed.Weights);
        Assert.True(File.Exists(Path.Combine(straight, "result.json")));
        Assert.InRange(full.TestAcc, 0, 1);
        Assert.All(new[] { full.TrainLoss }, l => Assert.True(double.IsFinite(l)));
    }

    [Fact]
    public void Weights_a_genotype_leaves_out_of_the_graph_are_not_updated()
    {
        // the ResNet-like cell written with a dead node: node 2 feeds nothing, so its conv never trains
        var options = TinyEval("nb201", epochs: 1) with { Arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|none~2|" };
        using var run = new EvalRun(options);
        var named = run.Network.named_parameters().ToDictionary(p => p.name, p => Tiny.Values(p.parameter));
        var record = run.RunEpoch();
        Assert.True(double.IsFinite(record.TrainLoss));
        var after = run.Network.named_parameters().ToDictionary(p => p.name, p => Tiny.Values(p.parameter));
        var dead = named.Keys.Where(n => n.Contains(".ops.1.") || n.Contains(".ops.2.")).ToList();   // edges 2<-0 and 2<-1
        var live = named.Keys.Where(n => n.Contains(".ops.0.")).ToList();
        Assert.NotEmpty(dead);
        Assert.All(dead, n => Assert.Equal(named[n], after[n]));
        Assert.All(live, n => Assert.NotEqual(named[n], after[n]));
    }

    [Fact]
    public void Drop_path_rises_linearly_from_zero_and_a_different_seed_trains_differently()
    {
        var options = TinyEval("darts", epochs: 2);
        using var run = new EvalRun(options);
        Assert.Equal(0, run.DropPathAt(0));
        Assert.Equal(0.15, run.DropPathAt(1), 12);
        var a = run.RunEpoch();
        using var other = new EvalRun(options with { Seed = 1 });
        var b = other.RunEpoch();
        Assert.NotEqual(a.TrainLoss, b.TrainLoss);
        Assert.True(run.Network.HasAuxiliary);
    }

    [Fact]
    public void The_auxiliary_head_on_small_images_and_data_without_a_test_split_are_refused_up_front()
    {
        var ex = Assert.Throws<SearchConfigException>(() => new EvalRun(TinyEval("darts") with { ImageSize = 24 }));
        Assert.Contains("--auxiliary-weight needs images of at least 32 px", ex.Message);
    }
}
