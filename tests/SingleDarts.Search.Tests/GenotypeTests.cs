using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Search.Tests;

[Trait("Category", "unit")]
public class GenotypeTests
{
    private const string Best = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
    private const string AllSkip = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|";

    [Theory]
    [InlineData(Best)]
    [InlineData(AllSkip)]
    [InlineData("|none~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|none~1|nor_conv_1x1~2|")]
    public void Parse_and_format_round_trip(string arch)
    {
        Assert.Equal(arch, Genotype.Parse(arch).ToString());
    }

    [Fact]
    public void Ops_follow_the_benchmark_edge_order()
    {
        var g = Genotype.Parse(Best);
        Assert.Equal(
            [Primitives.Conv3x3, Primitives.Conv3x3, Primitives.Conv3x3, Primitives.SkipConnect, Primitives.Conv3x3, Primitives.Conv3x3],
            g.Ops);
        Assert.Equal(new Edge(3, 0), Edge.All[3]);
        Assert.Equal(new Edge(2, 1), Edge.All[2]);
    }

    [Theory]
    [InlineData("", "node groups")]
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|", "node groups")]
    [InlineData("|conv_5x5~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "unknown operation 'conv_5x5'")]
    [InlineData("|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "expected 'nor_conv_3x3~0'")]
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "node 2 must have 2 inputs")]
    [InlineData("nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "must start and end with '|'")]
    [InlineData("|nor_conv_3x3|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "not of the form op~input")]
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2| ", "must start and end")]
    public void Malformed_strings_are_rejected_with_the_reason(string arch, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => Genotype.Parse(arch));
        Assert.Contains(reason, ex.Message);
        Assert.False(Genotype.TryParse(arch, out _, out var error));
        Assert.Equal(ex.Message, error);
    }

    [Fact]
    public void FromAlphas_takes_the_argmax_per_edge_and_counts_parameter_free_edges()
    {
        var alphas = new float[6, 5];
        int[] chosen = [Primitives.Conv3x3, Primitives.SkipConnect, Primitives.None, Primitives.AvgPool3x3, Primitives.Conv1x1, Primitives.SkipConnect];
        for (var e = 0; e < 6; e++) alphas[e, chosen[e]] = 1f;
        var g = Genotype.FromAlphas(alphas);
        Assert.Equal(chosen, g.Ops);
        Assert.Equal(4, g.ParameterFreeEdges);
        Assert.Equal(6, Genotype.Parse(AllSkip).ParameterFreeEdges);
        Assert.Equal(3, g.HammingDistance(Genotype.Parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|")));
    }
}
