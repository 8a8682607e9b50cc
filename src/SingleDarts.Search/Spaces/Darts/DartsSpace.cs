using SingleDarts.Search.Spaces.Nb201;
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
    public int SlotCount => 2 * DartsGenotype.GenesPerCell;

    public ISpaceGenotype FromSlots(IReadOnlyList<int> slots) => DartsGenotype.FromSlots(slots);

    public ISpaceModel Build(int channels, int cells, int classes, Relaxation relaxation, Generator generator, Device? device = null) =>
        new DartsSearchModel(channels, cells, classes, relaxation, generator, device);

    /// <summary>The DARTS derivation, from the relaxed weights (edges are compared by their operations' weights).</summary>
    public ISpaceGenotype Derive(float[,] alphas, float[,] relaxed) => DartsGenotype.FromWeights(relaxed);

    public ISpaceGenotype Parse(string text) => DartsGenotype.Parse(text);
}
