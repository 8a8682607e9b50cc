using SingleDarts.Search.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>NAS-Bench-201: one cell of 4 nodes and 6 edges, 5 operations, shared by every cell of the supernet; its benchmark is the NB201 table.</summary>
public sealed class Nb201Space : ISearchSpace
{
    public static readonly Nb201Space Instance = new();

    private Nb201Space()
    {
    }

    public string Name => "nb201";
    public string Summary => "NAS-Bench-201: one 4-node cell (6 edges x 5 operations), 3 stages of N cells; a ground-truth table exists";
    public IReadOnlyList<string> Operations => Primitives.Names;
    public IReadOnlyList<AlphaGroup> AlphaGroups { get; } = [new("cell", [.. Edge.All.Select(e => e.ToString())])];
    public int DefaultChannels => 16;
    public int DefaultCells => 5;
    public string CellsMeaning => "N, cells per stage";
    public string CellsSymbol => "N";
    public int MinCells => 1;
    public int CountedEdges => Edge.Count;

    public bool IsParameterFree(int op) => Primitives.IsParameterFree(op);

    public string DefaultCollapseRule => CollapseRules.ParamFree;
    public int DefaultCollapseThreshold => 4;

    /// <summary>5 epochs at ≥ 4 of 6 parameter-free edges (a tenth of NAS-Bench-201's 50 search epochs).</summary>
    public int DefaultAlarmEpochs => 5;

    public IReadOnlyList<MetricDefinition> CellMetrics { get; } =
        Spaces.CellMetrics.Declare("nb201", Edge.Count, "the cell's 6", "none, skip_connect, avg_pool_3x3");

    public void MeasureCell(ISpaceGenotype genotype, IDictionary<string, double> into) => Spaces.CellMetrics.Measure(genotype, into);

    public ISpaceBenchmark Benchmark => Nb201Benchmark.Instance;

    public int SlotCount => Edge.Count;
    public IReadOnlyList<string> SlotLabels { get; } = [.. Edge.All.Select(e => e.ToString())];
    public IReadOnlyList<string> SlotValues => Primitives.Names;

    public ISpaceGenotype FromSlots(IReadOnlyList<int> slots) => new Genotype(slots);

    public ISpaceModel Build(SupernetSettings settings, Generator generator, Device? device = null) => new Nb201SearchModel(settings, generator, device);

    /// <summary>The strongest operation per edge, by α (the order σ and softmax keep).</summary>
    public ISpaceGenotype Derive(float[,] alphas, float[,] relaxed) => Genotype.FromAlphas(alphas);

    public ISpaceGenotype Parse(string text) => Genotype.Parse(text);

    /// <summary>NAS-Bench-201's hand-designed reference cells: the ResNet-like cell and the all-skip (collapsed) cell.</summary>
    public IReadOnlyDictionary<string, string> NamedGenotypes { get; } = new Dictionary<string, string>
    {
        ["resnet"] = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|",
        ["all_skip"] = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|",
    };

    /// <summary>NAS-Bench-201's training of every cell: C=16, N=5, SGD Nesterov 0.9, lr 0.1 cosine to 0, weight decay 5e-4, batch 256, 200 epochs, crop + flip.</summary>
    public EvalProtocol EvalDefaults { get; } = new()
    {
        Channels = 16, Cells = 5, Epochs = 200, BatchSize = 256, Lr = 0.1, LrMin = 0, Momentum = 0.9, Nesterov = true,
        WeightDecay = 5e-4, GradClip = 0, AuxiliaryWeight = 0, DropPath = 0, Cutout = 0,
    };

    public bool HasAuxiliaryHead => false;
    public bool HasDropPath => false;

    public EvalNetwork BuildNetwork(ISpaceGenotype genotype, int channels, int cells, int classes, bool auxiliary, Generator generator) =>
        new Nb201Network((Genotype)genotype, channels, cells, classes, generator);
}
