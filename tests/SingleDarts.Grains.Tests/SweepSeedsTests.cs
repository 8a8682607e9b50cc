using SingleDarts.Abstractions;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Spaces.Darts;
using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Grains.Tests;

/// <summary>The coordinator's packed seed records keep each space's genotypes and their collapse counts.</summary>
[Trait("Category", "unit")]
public sealed class SweepSeedsTests
{
    [Theory]
    [InlineData("nb201", "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|skip_connect~1|nor_conv_1x1~2|", 4, 2)]
    [InlineData("darts", "Genotype(normal=[('sep_conv_3x3', 0), ('skip_connect', 1), ('skip_connect', 0), ('max_pool_3x3', 2), " +
        "('dil_conv_5x5', 1), ('skip_connect', 3), ('avg_pool_3x3', 4), ('sep_conv_5x5', 0)], normal_concat=[2, 3, 4, 5], " +
        "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), " +
        "('skip_connect', 2), ('skip_connect', 2), ('dil_conv_3x3', 4)], reduce_concat=[2, 3, 4, 5])", 5, 3)]
    public void A_final_genotype_survives_packing_with_its_counts(string spaceName, string arch, int paramFree, int skips)
    {
        var space = SearchSpaces.Get(spaceName);
        var spec = new SweepSpec { Methods = ["single"], Seeds = [0, 1] };
        var seeds = SweepSeeds.Create("s", spec, 3, space);
        seeds[0].Counted = 3;
        seeds[0].Status = seeds[0].Status with
        {
            State = SeedState.Completed,
            EpochsDone = 3,
            Last = new EpochSummary { Epoch = 3, Arch = arch, ValidAcc = 0.5 },
        };

        var back = SweepSeeds.Unpack(SweepSeeds.Pack(seeds, space), "s", spec, 3, space);
        var last = back[0].Status.Last!;
        Assert.Equal(arch, last.Arch);
        Assert.Equal((paramFree, skips), ((int)last.Metrics[CellMetrics.ParamFree], (int)last.Metrics[CellMetrics.SkipConnect]));     // recomputed by the space
        Assert.Equal(spaceName, back[1].Status.Space);
        Assert.Null(back[1].Status.Last);
    }

    [Fact]
    public void Evaluations_follow_the_searches_and_keep_their_stage_test_accuracy_and_waiting_reason()
    {
        var space = Nb201Space.Instance;
        var spec = new SweepSpec { Methods = ["single", "darts-v1"], Seeds = [4, 5], EvaluateJson = "{}" };
        var seeds = SweepSeeds.Create("s", spec, 3, space, evaluationEpochs: 7);
        Assert.Equal(8, seeds.Count);
        Assert.All(seeds.Take(4), e => Assert.Equal((SeedStages.Search, 3), (e.Status.Stage, e.Status.Epochs)));
        Assert.All(seeds.Skip(4), e => Assert.Equal((SeedStages.Evaluate, 7, SweepSeeds.WaitingForSearch), (e.Status.Stage, e.Status.Epochs, e.Status.Reason)));
        const string arch = "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|skip_connect~1|nor_conv_1x1~2|";
        seeds[4].Dispatched = true;
        seeds[4].Counted = 7;
        seeds[4].Status = seeds[4].Status with
        {
            State = SeedState.Completed, EpochsDone = 7, Reason = null,
            Last = new EpochSummary { Epoch = 7, Arch = arch, TestAcc = 0.625 },
        };

        var back = SweepSeeds.Unpack(SweepSeeds.Pack(seeds, space), "s", spec, 3, space, evaluationEpochs: 7);
        var evaluation = back[4].Status;
        Assert.Equal((SeedStages.Evaluate, "single", 4L, SeedState.Completed), (evaluation.Stage, evaluation.Method, evaluation.Seed, evaluation.State));
        Assert.Equal((0.625, (double?)null, arch), (evaluation.Last!.TestAcc, evaluation.Last.ValidAcc, evaluation.Last.Arch));
        Assert.Equal(SweepSeeds.WaitingForSearch, back[5].Status.Reason);
        Assert.Equal(SeedStages.Search, back[0].Status.Stage);
    }

    [Fact]
    public void Every_space_rebuilds_a_genotype_from_its_slots()
    {
        foreach (var space in SearchSpaces.All)
        {
            var genotype = space == Nb201Space.Instance
                ? (ISpaceGenotype)Genotype.Parse("|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|skip_connect~1|nor_conv_1x1~2|")
                : DartsGenotype.FromSlots([.. Enumerable.Range(0, 16).Select(i => (1 + i % 7) * 8 + i % 2)]);
            Assert.Equal(space.SlotCount, genotype.Slots.Count);
            Assert.Equal(genotype.Text, space.FromSlots(genotype.Slots).Text);
            Assert.Equal(genotype.Text, space.Parse(genotype.Text).Text);
        }
    }
}
