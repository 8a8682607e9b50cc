using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Spaces.Darts;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Strategies;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>The DARTS CNN search network, its α and its genotypes.</summary>
[Trait("Category", "unit")]
public class DartsSpaceTests
{
    /// <summary>The DARTS paper's search network as its code builds it (counted independently from its definition).</summary>
    [Theory]
    [InlineData(16, 8, 1_930_618)]
    [InlineData(8, 5, 394_210)]
    public void The_search_network_has_the_DARTS_weight_count_and_224_alphas(int channels, int layers, long expected)
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var g = new Generator(0, CPU);
        using var model = new DartsSearchModel(Tiny.Settings(channels, layers, 10), g);
        Assert.Equal(expected, model.Net.WeightCount);
        Assert.Equal(expected, model.Weights.Sum(w => w.numel()));
        Assert.Equal([28L, 8L], model.Alphas.shape);
        Assert.Equal(224, model.Alphas.numel());
    }

    [Theory]
    [InlineData(3, new[] { 1, 2 })]
    [InlineData(5, new[] { 1, 3 })]
    [InlineData(8, new[] { 2, 5 })]
    public void Reduction_cells_sit_at_a_third_and_two_thirds(int layers, int[] reductions) =>
        Assert.Equal(reductions, Enumerable.Range(0, layers).Where(i => DartsNetwork.IsReduction(i, layers)));

    [Fact]
    public void Alphas_are_small_come_from_the_seed_and_follow_the_weights()
    {
        using var a = Model(seed: 3);
        using var b = Model(seed: 3);
        using var c = Model(seed: 4);
        var va = Tiny.Values(a.Alphas);
        Assert.Equal(va, Tiny.Values(b.Alphas));
        Assert.Equal(Tiny.Values(a.Weights[0]), Tiny.Values(b.Weights[0]));
        Assert.NotEqual(va, Tiny.Values(c.Alphas));
        Assert.All(va, v => Assert.True(Math.Abs(v) < 0.01, $"α init {v} is not ~1e-3·N(0,1)"));

        // drawn after the network's weights from the same generator, as a 28×8 draw
        TorchRuntime.Configure(Tiny.Threads);
        using var g = new Generator(3, CPU);
        using (var net = new DartsNetwork(4, 3, 4, g))
        using (var draw = randn(28, 8, generator: g))
        using (var scale = 1e-3.ToScalar())
        using (var expected = draw.mul(scale))
            Assert.Equal(Tiny.Values(expected), va);
    }

    [Fact]
    public void A_step_of_every_method_moves_both_alpha_groups_with_finite_losses()
    {
        foreach (var method in Tiny.Levels)
        {
            using var model = Model(seed: 1);
            using var state = new SearchState(model, new OptimizerSettings());
            var strategy = Tiny.Strategy(method);
            var before = Tiny.Values(model.Alphas);
            using var trainBatch = Tiny.RandomBatch(1);
            using var validBatch = Tiny.RandomBatch(2);
            var train = new CountingSource(trainBatch);
            var valid = new CountingSource(validBatch);
            for (var i = 0; i < 2; i++)
            {
                var stats = strategy.Step(state, train, strategy.UsesValidation ? valid : null, 0.025);
                Assert.True(double.IsFinite(stats.Loss), $"{method}: loss {stats.Loss}");
            }
            var after = Tiny.Values(model.Alphas);
            Assert.Contains(Enumerable.Range(0, 14 * 8), i => after[i] != before[i]);             // normal rows
            Assert.Contains(Enumerable.Range(14 * 8, 14 * 8), i => after[i] != before[i]);        // reduce rows
            Assert.Null(state.FirstNonFiniteState());
        }
    }

    [Fact]
    public void A_cell_of_only_skip_connects_sums_its_states_and_one_of_only_none_is_zero()
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var scope = NewDisposeScope();
        using var g = new Generator(2, CPU);
        var cell = new DartsCell(6, 6, 3, reduction: false, reductionPrev: false, g);
        var s0 = randn([2, 6, 5, 5], generator: g);
        var s1 = randn([2, 6, 5, 5], generator: g);

        var skip = zeros(14, 8);
        skip[.., DartsPrimitives.SkipConnect] = ones(14);
        var output = cell.forward(s0, s1, skip);
        Assert.Equal([2L, 12L, 5L, 5L], output.shape);
        // node 2 = a (the two preprocessed inputs' sum); node 3 = a + node 2 = 2a; node 4 = 4a; node 5 = 8a
        var nodes = output.chunk(4, 1);
        for (var n = 1; n < 4; n++)
        {
            using var factor = ((double)(1 << n)).ToScalar();
            Assert.True(nodes[n].allclose(nodes[0].mul(factor), rtol: 1e-5, atol: 1e-5), $"node {n + 2} is not {1 << n}× node 2");
        }

        var none = zeros(14, 8);
        none[.., DartsPrimitives.None] = ones(14);
        Assert.Equal(0.0, cell.forward(s0, s1, none).abs().sum().item<float>());
    }

    [Fact]
    public void A_reduction_cell_halves_the_resolution_and_the_next_cell_reduces_its_older_input()
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var scope = NewDisposeScope();
        using var g = new Generator(2, CPU);
        var reduce = new DartsCell(6, 6, 4, reduction: true, reductionPrev: false, g);
        var after = new DartsCell(6, 16, 4, reduction: false, reductionPrev: true, g);
        var s = randn([2, 6, 8, 8], generator: g);
        var w = softmax(randn(14, 8, generator: g), -1);
        var r = reduce.forward(s, s, w);
        Assert.Equal([2L, 16L, 4L, 4L], r.shape);
        Assert.Equal([2L, 16L, 4L, 4L], after.forward(s, r, w).shape);
    }

    [Fact]
    public void The_genotype_keeps_the_two_strongest_edges_per_node_by_their_best_operation_other_than_none()
    {
        var w = new float[28, 8];
        for (var r = 0; r < 28; r++)
            for (var k = 0; k < 8; k++)
                w[r, k] = 0.1f;
        // node 2 (rows 0, 1): none is strongest on row 0 but never counts
        w[0, DartsPrimitives.None] = 0.9f;
        w[0, DartsPrimitives.SepConv3x3] = 0.3f;
        w[1, DartsPrimitives.SkipConnect] = 0.5f;
        // node 3 (rows 2-4): rows 4 and 2 win; row 3's best is weaker
        w[2, DartsPrimitives.DilConv5x5] = 0.4f;
        w[3, DartsPrimitives.MaxPool3x3] = 0.2f;
        w[4, DartsPrimitives.AvgPool3x3] = 0.6f;
        // node 4 (rows 5-8): all equal: the first two edges, each with its first operation after none
        // node 5 (rows 9-13): row 13 strongest, then row 9 and row 11 tie: the earlier wins
        w[13, DartsPrimitives.SepConv5x5] = 0.7f;
        w[9, DartsPrimitives.SkipConnect] = 0.3f;
        w[11, DartsPrimitives.SkipConnect] = 0.3f;
        // reduce cell: row 14 + 1 = node 2 from state 1 strongest
        w[15, DartsPrimitives.MaxPool3x3] = 0.8f;

        var genotype = DartsGenotype.FromWeights(w);
        Assert.Equal(
            [G("skip_connect", 1), G("sep_conv_3x3", 0), G("avg_pool_3x3", 2), G("dil_conv_5x5", 0),
             G("max_pool_3x3", 0), G("max_pool_3x3", 1), G("sep_conv_5x5", 4), G("skip_connect", 0)],
            genotype.Normal);
        Assert.Equal([G("max_pool_3x3", 1), G("max_pool_3x3", 0)], genotype.Reduce.Take(2));
        Assert.Equal(2, genotype.SkipConnects);
        Assert.Equal(5, genotype.ParameterFreeEdges);       // skip ×2, avg pool, max pool ×2
    }

    private const string DartsV2 =
        "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), " +
        "('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], " +
        "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), " +
        "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";

    [Fact]
    public void Genotypes_print_in_the_DARTS_form_and_parse_back()
    {
        var genotype = DartsGenotype.Parse(DartsV2);
        Assert.Equal(DartsV2, genotype.ToString());
        Assert.Equal(genotype, DartsGenotype.Parse(genotype.ToString()));
        Assert.Equal(2, genotype.SkipConnects);
        Assert.Equal(G("dil_conv_3x3", 2), genotype.Normal[7]);

        // the DARTS code's other spellings: double quotes, range() concat, other spacing, a trailing comma
        var loose = DartsV2.Replace("'", "\"").Replace("[2, 3, 4, 5]", "range(2, 6)").Replace(", (", ",(").Replace("2)]", "2),]");
        Assert.Equal(genotype, DartsGenotype.Parse(loose));

        using var model = Model(seed: 5);
        var derived = DartsSpace.Instance.Derive(model.AlphaValues(), model.RelaxedValues());
        Assert.Equal(derived, (ISpaceGenotype)DartsGenotype.Parse(derived.Text));
    }

    [Theory]
    [InlineData("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|none~2|", "expected 'Genotype'")]
    [InlineData("Genotype(normal=[('sep_conv_3x3', 0)", "expected ','")]
    [InlineData("Genotype(normal=[('conv_7x7', 0)", "'conv_7x7' is not an operation of a normal cell")]
    [InlineData("Genotype(normal=[('none', 0)", "'none' is not an operation of a normal cell")]
    [InlineData("Genotype(normal=[('sep_conv_3x3', 2)", "goes into node 2, which can take states 0..1, not 2")]
    [InlineData("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)], normal_concat=[2, 3, 4, 5]", "the normal cell has 2 edges; it needs 8")]
    [InlineData("Genotype(normal=[('sep_conv_3x3, 0)", "not closed")]
    public void Bad_genotype_strings_name_their_problem(string text, string problem)
    {
        var ex = Assert.Throws<FormatException>(() => DartsGenotype.Parse(text));
        Assert.Contains(problem, ex.Message);
        Assert.StartsWith("genotype: ", ex.Message);
    }

    [Fact]
    public void A_wrong_concat_a_ninth_edge_and_trailing_text_are_refused()
    {
        Assert.Contains("normal_concat must be [2, 3, 4, 5]",
            Assert.Throws<FormatException>(() => DartsGenotype.Parse(DartsV2.Replace("normal_concat=[2, 3, 4, 5]", "normal_concat=[2, 3, 4, 5, 6]"))).Message);
        Assert.Contains("this is edge 9",
            Assert.Throws<FormatException>(() => DartsGenotype.Parse(DartsV2.Replace("('dil_conv_3x3', 2)]", "('dil_conv_3x3', 2), ('skip_connect', 0)]"))).Message);
        Assert.Contains("unexpected text after the genotype",
            Assert.Throws<FormatException>(() => DartsGenotype.Parse(DartsV2 + " x")).Message);
        Assert.Contains("at character 10", Assert.Throws<FormatException>(() => DartsGenotype.Parse("Genotype(")).Message);
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
    public void A_darts_space_search_resumes_bit_identical_and_reports_its_genotype(string method)
    {
        var options = DartsOptions(method, epochs: 2);
        var straight = Tiny.TempDir();
        var interrupted = Tiny.TempDir();
        var full = SearchRunner.Run(options, straight);
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => SearchRunner.Run(options, interrupted, observer: new CancelAfter(1, cts), cancel: cts.Token));
        var resumed = SearchRunner.Run(options, interrupted, resume: true);

        Assert.Equal(full.Alphas.SelectMany(r => r).Select(BitConverter.SingleToInt32Bits), resumed.Alphas.SelectMany(r => r).Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(full.Arch, resumed.Arch);
        Assert.Equal("darts", full.Space);
        Assert.Equal(28, full.Alphas.Length);
        Assert.All(full.Alphas, row => Assert.Equal(8, row.Length));
        var genotype = DartsGenotype.Parse(full.Arch);
        Assert.Equal(genotype.SkipConnects, full.Metrics[CellMetrics.SkipConnect]);
        Assert.Equal(genotype.ParameterFreeEdges, full.Metrics[CellMetrics.ParamFree]);

        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(straight, "config.json")))!["model"]!;
        Assert.Equal("darts", (string)config["space"]!);
        Assert.Equal(28, (int)config["alphas"]![0]!);
        Assert.Equal(["normal", "reduce"], config["alpha_groups"]!.AsArray().Select(g => (string)g!["name"]!));
    }

    [Fact]
    public void Darts_options_are_checked_and_default_to_eight_cells_where_a_spec_leaves_them_out()
    {
        Assert.Contains((DartsOptions("single", 1) with { Cells = 2 }).Validate(), p => p.Contains("--cells must be at least 3 in the darts space"));
        Assert.Contains((DartsOptions("single", 1) with { Nb201 = "/dev/null" }).Validate(), p => p.Contains("--nb201 is NAS-Bench-201's table"));
        Assert.Equal(8, SearchOptions.For("darts").Cells);
        Assert.Equal(5, SearchOptions.For("nb201").Cells);
    }

    private static SearchOptions DartsOptions(string method, int epochs) =>
        Tiny.Options(method, seed: 2, epochs: epochs) with { Space = "darts", Channels = 4, Cells = 3, TrainSize = 64 };

    private sealed class CancelAfter(int epochs, CancellationTokenSource cts) : IRunObserver
    {
        public void EpochDone(EpochRecord record)
        {
            if (record.Epoch >= epochs) cts.Cancel();
        }
    }

    private static DartsGene G(string op, int from) => new(DartsPrimitives.IndexOf(op), from);

    private static DartsSearchModel Model(long seed)
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var g = new Generator((ulong)seed, CPU);
        return new DartsSearchModel(Tiny.Settings(4, 3, 4), g);
    }
}
