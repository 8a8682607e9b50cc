using System.Collections;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Nn;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>
/// The evaluation networks as PyTorch state_dict files: the reference code's names and shapes (fixtures written by
/// running that code, PyTorch/*.tsv), bit-exact round trips, files that do not fit refused by key, and the export of a
/// run folder read back with --init-from. <see cref="PyTorchReferenceTests"/> loads the files in PyTorch itself.
/// </summary>
[Trait("Category", "unit")]
public sealed class PyTorchStateDictTests
{
    [Theory]
    [InlineData("darts")]
    [InlineData("nb201")]
    public void The_state_dict_has_the_reference_networks_names_shapes_dtypes_and_order(string space)
    {
        var net = TinyNets.Of(space);
        using var network = net.Build(seed: 0);
        var ours = ReferenceStateDict.Entries(network).Select(e => e.IsBatchCount
            ? $"{e.Name}\t[]\tint64"
            : $"{e.Name}\t[{string.Join(", ", e.Tensor!.shape)}]\tfloat32").ToList();
        var reference = TinyNets.FixtureLines(net.Fixture);
        Assert.Equal(reference.Order(StringComparer.Ordinal), ours.Order(StringComparer.Ordinal));
        // the order too, but for the auxiliary head's: ours registers its convolutions before its BatchNorms (order alone;
        // load_state_dict does not look at it, and reordering our fields would change the order of the gradient-norm sum)
        static List<string> Outside(List<string> rows) => [.. rows.Where(r => !r.StartsWith("auxiliary_head.", StringComparison.Ordinal))];
        Assert.Equal(Outside(reference), Outside(ours));
    }

    [Theory]
    [InlineData("darts")]
    [InlineData("nb201")]
    public void A_written_file_reads_back_bit_exact_with_equal_logits(string space)
    {
        var net = TinyNets.Of(space);
        var path = Path.Combine(Tiny.TempDir(), "model.pt");
        using var input = net.Input(seed: 5);
        using var trained = net.Build(seed: 1);
        net.RunningStatistics(trained);
        Assert.Equal(ReferenceStateDict.Entries(trained).Count, PyTorchStateDict.Write(trained, batchesTracked: 7, path));
        using var loaded = net.Build(seed: 2);
        PyTorchStateDict.Read(loaded, path);

        var before = trained.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(trained.named_buffers()).ToList();
        var after = loaded.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(loaded.named_buffers()).ToDictionary(p => p.Item1, p => p.Item2);
        Assert.NotEmpty(before);
        foreach (var (name, t) in before) Assert.True(BitEqual(t, after[name]), $"{name} differs after the round trip");
        trained.eval();
        loaded.eval();
        using (no_grad())
        {
            using var a = trained.Forward(input).Logits;
            using var b = loaded.Forward(input).Logits;
            Assert.Equal(Tiny.Values(a), Tiny.Values(b));
        }

        // the file itself: every tensor under its reference name, num_batches_tracked int64 of shape [] as in PyTorch
        using var stream = File.OpenRead(path);
        var raw = PyTorchUnpickler.UnpickleStateDict(stream);
        try
        {
            var counts = raw.Cast<DictionaryEntry>().Where(e => ((string)e.Key).EndsWith(".num_batches_tracked", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(counts);
            Assert.All(counts, e => Assert.Equal((ScalarType.Int64, 0L, 7L), (((Tensor)e.Value!).dtype, ((Tensor)e.Value!).dim(), ((Tensor)e.Value!).item<long>())));
            Assert.Equal(ReferenceStateDict.Entries(trained).Select(e => e.Name).Order(), raw.Keys.Cast<string>().Order());
        }
        finally
        {
            foreach (var v in raw.Values) ((Tensor)v!).Dispose();
        }
    }

    [Fact]
    public void A_file_that_does_not_fit_the_genotype_is_refused_naming_the_key()
    {
        var nb201 = TinyNets.Of("nb201");
        var dir = Tiny.TempDir();
        var path = Path.Combine(dir, "model.pt");
        using (var network = nb201.Build(seed: 1)) PyTorchStateDict.Write(network, 0, path);

        // another genotype: edge 1←0 a skip_connect instead of a 3×3 convolution
        using var other = nb201.Build(seed: 1, arch: TinyNets.Nb201Arch.Replace("|nor_conv_3x3~0|+", "|skip_connect~0|+", StringComparison.Ordinal));
        var ex = Assert.Throws<SearchConfigException>(() => PyTorchStateDict.Read(other, path));
        Assert.Contains("unexpected key 'cells.0.layers.0.op.1.weight'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);

        // other channels: the first key's shapes
        using var wider = nb201.Build(seed: 1, channels: 4);
        var shape = Assert.Throws<SearchConfigException>(() => PyTorchStateDict.Read(wider, path));
        Assert.Contains("key 'stem.0.weight' has shape [8, 3, 3, 3], the network's is [4, 3, 3, 3]", shape.Message, StringComparison.Ordinal);

        // not a state_dict at all
        var junk = Path.Combine(dir, "junk.pt");
        File.WriteAllText(junk, "not a zip");
        var bad = Assert.Throws<SearchConfigException>(() => PyTorchStateDict.Read(other, junk));
        Assert.Contains("not a readable PyTorch state_dict file", bad.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nb201")]
    [InlineData("darts")]
    public void A_run_folders_export_reloads_with_init_from_to_the_runs_test_accuracy(string space)
    {
        var options = EvaluationTests.TinyEval(space, epochs: 1);
        var dir = Tiny.TempDir();
        var result = EvalRunner.Run(options, dir);
        var written = Path.Combine(dir, EvalExport.FileName);
        Assert.True(File.Exists(written), "the finished evaluation wrote no model.pt");

        var exported = EvalExport.FromFolder(dir, Path.Combine(dir, "again.pt"));
        Assert.Equal(1, exported.Epoch);
        Assert.StartsWith(space == "darts" ? "NetworkCIFAR(2, 4, 3, True, Genotype(" : "TinyNetwork(2, 1, Structure.str2structure('|", exported.ReferenceModel, StringComparison.Ordinal);
        AssertSameTensors(written, exported.Path);

        using var retest = new EvalRun(options with { InitFrom = exported.Path });
        Assert.Equal(result.TestAcc, retest.Test().Accuracy);
        using var fresh = new EvalRun(options);
        foreach (var ((name, a), (_, b)) in fresh.Network.named_buffers().Zip(retest.Network.named_buffers()))
            if (name.EndsWith("running_var", StringComparison.Ordinal)) Assert.False(BitEqual(a, b), $"{name} was not loaded");
        if (space == "darts")
        {
            // the file holds the auxiliary head; options without one are told how to match it
            var ex = Assert.Throws<SearchConfigException>(() => new EvalRun(options with { AuxiliaryWeight = 0, InitFrom = exported.Path }));
            Assert.Contains("unexpected key 'auxiliary_head.", ex.Message, StringComparison.Ordinal);
            Assert.EndsWith("the file holds an auxiliary head: give --auxiliary-weight above 0 (it is used in training only)", ex.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>Same dtype, shape and bytes.</summary>
    private static bool BitEqual(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.bytes.SequenceEqual(b.bytes);

    private static void AssertSameTensors(string path, string other)
    {
        var (a, b) = (Raw(path), Raw(other));
        try
        {
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            foreach (var (name, t) in a) Assert.True(BitEqual(t, b[name]), $"{name} differs between {path} and {other}");
        }
        finally
        {
            foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
        }
    }

    private static Dictionary<string, Tensor> Raw(string path)
    {
        using var stream = File.OpenRead(path);
        return PyTorchUnpickler.UnpickleStateDict(stream).Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (Tensor)e.Value!);
    }

    [Fact]
    public void Init_from_a_missing_file_is_one_problem_naming_the_option()
    {
        var options = EvaluationTests.TinyEval("nb201", epochs: 1) with { InitFrom = "/no/such/model.pt" };
        Assert.Contains("--init-from: no such file: /no/such/model.pt", options.Validate());
        Assert.Empty((options with { InitFrom = null, Epochs = 1 }).Validate());
        Assert.Contains(options.Validate(), p => p.StartsWith("--init-from", StringComparison.Ordinal));
    }
}
