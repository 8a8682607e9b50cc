using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>NAS-Bench-201: one cell of 4 nodes and 6 edges, 5 operations, shared by every cell of the supernet.</summary>
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
    public int SlotCount => Edge.Count;

    public ISpaceGenotype FromSlots(IReadOnlyList<int> slots) => new Genotype(slots);

    public ISpaceModel Build(int channels, int cells, int classes, Relaxation relaxation, Generator generator, Device? device = null) =>
        new Nb201SearchModel(channels, cells, classes, relaxation, generator, device);

    /// <summary>The strongest operation per edge, by α (the order σ and softmax keep).</summary>
    public ISpaceGenotype Derive(float[,] alphas, float[,] relaxed) => Genotype.FromAlphas(alphas);

    public ISpaceGenotype Parse(string text) => Genotype.Parse(text);
}
