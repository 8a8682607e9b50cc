using SingleDarts.Search.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Darts;

/// <summary>The DARTS CNN space: normal and reduction cells of 4 nodes and 14 edges each, 8 operations.</summary>
public sealed class DartsSpace : ISearchSpace
{
    public static readonly DartsSpace Instance = new();

    private DartsSpace()
    {
    }

    public string Name => "darts";
    public string Summary => "DARTS CNN: normal and reduction cells (14 edges x 8 operations each), L cells with reductions at L/3 and 2L/3";
    public IReadOnlyList<string> Operations => DartsPrimitives.Names;

    public IReadOnlyList<AlphaGroup> AlphaGroups { get; } =
    [
        new("normal", [.. DartsEdge.All.Select(e => e.ToString())]),
        new("reduce", [.. DartsEdge.All.Select(e => e.ToString())]),
    ];

    public int DefaultChannels => 16;
    public int DefaultCells => 8;
    public string CellsMeaning => "L, cells in the network, two of them reductions";
    public string CellsSymbol => "L";
    public int MinCells => 3;
    public int CountedEdges => DartsGenotype.GenesPerCell;

    public bool IsParameterFree(int op) => DartsPrimitives.IsParameterFree(op);

    /// <summary>skip_connect ≥ 3 of the normal cell's 8 edges: the DARTS literature's collapse signal.</summary>
    public string DefaultCollapseRule => CollapseRules.SkipConnect;
    public int DefaultCollapseThreshold => 3;

    /// <summary>3 epochs at ≥ 3 skip_connect edges in the normal cell.</summary>
    public int DefaultAlarmEpochs => 3;
    public IReadOnlyList<MetricDefinition> CellMetrics { get; } =
        Spaces.CellMetrics.Declare("darts", DartsGenotype.GenesPerCell, "the normal cell's 8", "skip_connect, max_pool_3x3, avg_pool_3x3");

    public void MeasureCell(ISpaceGenotype genotype, IDictionary<string, double> into) => Spaces.CellMetrics.Measure(genotype, into);

    /// <summary>None today; a surrogate benchmark (NAS-Bench-301) would plug in here.</summary>
    public ISpaceBenchmark? Benchmark => null;

    public int SlotCount => 2 * DartsGenotype.GenesPerCell;

    /// <summary>Each cell's node (2–5) and which of its two kept edges.</summary>
    public IReadOnlyList<string> SlotLabels { get; } =
        [.. new[] { "normal", "reduce" }.SelectMany(cell => Enumerable.Range(0, DartsGenotype.GenesPerCell).Select(i => $"{cell} node {2 + i / 2}, edge {1 + i % 2}"))];

    /// <summary>A slot's value is operation·8 + input state.</summary>
    public IReadOnlyList<string> SlotValues { get; } =
        [.. Enumerable.Range(0, DartsPrimitives.Count * DartsPrimitives.Count).Select(v => $"{DartsPrimitives.Names[v / DartsPrimitives.Count]} ← {v % DartsPrimitives.Count}")];

    public ISpaceGenotype FromSlots(IReadOnlyList<int> slots) => DartsGenotype.FromSlots(slots);

    public ISpaceModel Build(SupernetSettings settings, Generator generator, Device? device = null) => new DartsSearchModel(settings, generator, device);

    /// <summary>The DARTS derivation, from the relaxed weights (edges are compared by their operations' weights).</summary>
    public ISpaceGenotype Derive(float[,] alphas, float[,] relaxed) => DartsGenotype.FromWeights(relaxed);

    public ISpaceGenotype Parse(string text) => DartsGenotype.Parse(text);

    /// <summary>The DARTS paper's cells (its genotypes.py): first order (DARTS_V1) and second order (DARTS_V2).</summary>
    public IReadOnlyDictionary<string, string> NamedGenotypes { get; } = new Dictionary<string, string>
    {
        ["darts_v1"] = "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('avg_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])",
        ["darts_v2"] = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])",
    };

    /// <summary>The DARTS paper's CIFAR-10 evaluation: C=36, L=20, auxiliary head 0.4, drop-path 0.2, cutout 16, SGD 0.9, lr 0.025 cosine, weight decay 3e-4, batch 96, 600 epochs, clip 5.</summary>
    public EvalProtocol EvalDefaults { get; } = new()
    {
        Channels = 36, Cells = 20, Epochs = 600, BatchSize = 96, Lr = 0.025, LrMin = 0, Momentum = 0.9, Nesterov = false,
        WeightDecay = 3e-4, GradClip = 5, AuxiliaryWeight = 0.4, DropPath = 0.2, Cutout = 16,
    };

    public bool HasAuxiliaryHead => true;
    public bool HasDropPath => true;

    public EvalNetwork BuildNetwork(ISpaceGenotype genotype, int channels, int cells, int classes, bool auxiliary, Generator generator) =>
        new DartsEvalNetwork((DartsGenotype)genotype, channels, cells, classes, auxiliary, generator);
}
