using SingleDarts.Search.Spaces;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>
/// The small evaluation networks whose reference state_dicts are checked in (PyTorch/*.tsv, written by running the
/// reference code with these arguments): genotypes with every operation of their space (nb201 a none; darts genotypes hold none
/// nowhere), pools, and darts' stride-2 operations and skip_connect (a FactorizedReduce) of a reduction cell.
/// </summary>
internal sealed record TinyNets(string Space, int Channels, int Cells, bool Auxiliary, string Genotype, int ImageSize, string Fixture)
{
    public const string DartsGenotype =
        "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('dil_conv_5x5', 2), ('skip_connect', 0), ('max_pool_3x3', 1), " +
        "('avg_pool_3x3', 2), ('sep_conv_3x3', 3)], normal_concat=[2, 3, 4, 5], reduce=[('skip_connect', 0), ('max_pool_3x3', 1), ('sep_conv_3x3', 0), " +
        "('dil_conv_5x5', 2), ('avg_pool_3x3', 1), ('dil_conv_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_3x3', 4)], reduce_concat=[2, 3, 4, 5])";

    public const string Nb201Arch = "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|";

    public const int Classes = 10;

    /// <summary>darts: NetworkCIFAR(8, 10, 5, True, genotype) on 32 px (the auxiliary head needs them); nb201: TinyNetwork(8, 1, arch, 10) on 8 px.</summary>
    public static TinyNets Of(string space) => space == "darts"
        ? new("darts", 8, 5, true, DartsGenotype, 32, "darts-networkcifar-c8-l5-aux.tsv")
        : new("nb201", 8, 1, false, Nb201Arch, 8, "nb201-tinynetwork-c8-n1.tsv");

    /// <summary>The network, initialised from <paramref name="seed"/> (drop-path off, so its generator is not needed after this).</summary>
    public EvalNetwork Build(ulong seed, string? arch = null, int? channels = null)
    {
        TorchRuntime.Configure(Tiny.Threads);
        var space = SearchSpaces.Get(Space);
        using var generator = new Generator(seed, CPU);
        return space.BuildNetwork(space.Parse(arch ?? Genotype), channels ?? Channels, Cells, Classes, Auxiliary, generator);
    }

    public Tensor Input(ulong seed)
    {
        using var generator = new Generator(seed, CPU);
        return randn([4, 3, ImageSize, ImageSize], generator: generator);
    }

    /// <summary>Moves every BatchNorm's running statistics away from 0 and 1: two forwards in training mode, without gradients.</summary>
    public void RunningStatistics(EvalNetwork network)
    {
        network.train(true);
        using (no_grad())
            for (ulong seed = 10; seed < 12; seed++)
            {
                using var scope = NewDisposeScope();
                network.Forward(Input(seed));
            }
        network.train(false);
    }

    /// <summary>A checked-in reference table's rows ("name\t[shape]\tdtype"), its comment lines left out.</summary>
    public static List<string> FixtureLines(string name) =>
        [.. File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "PyTorch", name)).Where(l => !l.StartsWith('#'))];

    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "PyTorch", "reference_nets.py");
}
