using SingleDarts.Search.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces;

/// <summary>A named block of α's rows (one row per edge, one column per operation).</summary>
public sealed record AlphaGroup(string Name, IReadOnlyList<string> Edges);

/// <summary>
/// A search space — a folder of its own (Spaces/Nb201, Spaces/Darts): everything outside it sees α as named
/// groups of rows, a genotype as text and slots, and the per-epoch numbers the space declares (its cell's
/// counts, its benchmark's lookups). It builds the supernet and the evaluation network, derives, prints and
/// parses genotypes. Registered in <see cref="SearchSpaces"/>.
/// </summary>
public interface ISearchSpace
{
    /// <summary>Its name in options, specs and results (<c>nb201</c>, <c>darts</c>).</summary>
    string Name { get; }

    /// <summary>One line for help texts.</summary>
    string Summary { get; }

    /// <summary>The candidate operations, in α's column order.</summary>
    IReadOnlyList<string> Operations { get; }

    /// <summary>α's rows, group after group.</summary>
    IReadOnlyList<AlphaGroup> AlphaGroups { get; }

    int DefaultChannels { get; }
    int DefaultCells { get; }

    /// <summary>What <c>--cells</c> means in this space, its letter (N, L) and its least value.</summary>
    string CellsMeaning { get; }
    string CellsSymbol { get; }
    int MinCells { get; }

    /// <summary>Edges of the cell the collapse counts are taken over (NB201: 6; DARTS: the normal cell's 8).</summary>
    int CountedEdges { get; }

    /// <summary>Operations without weights (the ones a collapsed cell is made of).</summary>
    bool IsParameterFree(int op);

    /// <summary>The collapse rule a sweep uses unless told otherwise: a count metric of <see cref="CellMetrics"/> and from how many counted edges on.</summary>
    string DefaultCollapseRule { get; }
    int DefaultCollapseThreshold { get; }

    /// <summary>Consecutive epochs at or over the threshold that raise a sweep's collapse alarm unless the spec says otherwise.</summary>
    int DefaultAlarmEpochs { get; }

    /// <summary>What the space measures of every genotype (its cell's counts), declared once.</summary>
    IReadOnlyList<MetricDefinition> CellMetrics { get; }

    /// <summary>The values of <see cref="CellMetrics"/> for <paramref name="genotype"/>.</summary>
    void MeasureCell(ISpaceGenotype genotype, IDictionary<string, double> into);

    /// <summary>The space's ground truth (NAS-Bench-201's table), or null: the DARTS space has none (a surrogate would plug in here).</summary>
    ISpaceBenchmark? Benchmark { get; }

    /// <summary>Number of <see cref="ISpaceGenotype.Slots"/> of every genotype of this space (each slot a value in 0..255).</summary>
    int SlotCount { get; }

    /// <summary>What each slot is (NB201: the edge; DARTS: "normal node 2, edge 1"), for tables of chosen operations.</summary>
    IReadOnlyList<string> SlotLabels { get; }

    /// <summary>What a slot's value means (NB201: the operation; DARTS: "sep_conv_3x3 ← 1"), indexed by value.</summary>
    IReadOnlyList<string> SlotValues { get; }

    /// <summary>The genotype whose <see cref="ISpaceGenotype.Slots"/> these are (a compact form for storage).</summary>
    ISpaceGenotype FromSlots(IReadOnlyList<int> slots);

    /// <summary>The supernet and α (α drawn after the weights, both from <paramref name="generator"/>), built as <paramref name="settings"/> say.</summary>
    ISpaceModel Build(SupernetSettings settings, Generator generator, Device? device = null);

    /// <summary>The discrete architecture of α (<paramref name="relaxed"/>: softmax or σ of it, same layout).</summary>
    ISpaceGenotype Derive(float[,] alphas, float[,] relaxed);

    /// <summary>Strict parse of this space's genotype text; <see cref="FormatException"/> names the problem.</summary>
    ISpaceGenotype Parse(string text);

    /// <summary>Published genotypes by lower-case name (e.g. darts_v2), as <c>--arch</c> accepts them.</summary>
    IReadOnlyDictionary<string, string> NamedGenotypes { get; }

    /// <summary>The evaluation protocol of this space: its network's size and its training (<c>evaluate</c>'s defaults).</summary>
    EvalProtocol EvalDefaults { get; }

    /// <summary>Whether the evaluation network has an auxiliary head and drop-path.</summary>
    bool HasAuxiliaryHead { get; }
    bool HasDropPath { get; }

    /// <summary>The evaluation network of <paramref name="genotype"/>, initialised from <paramref name="generator"/> (which a network may go on drawing from, e.g. drop-path masks).</summary>
    EvalNetwork BuildNetwork(ISpaceGenotype genotype, int channels, int cells, int classes, bool auxiliary, Generator generator);
}

/// <summary>A supernet with its α, as a search space builds it.</summary>
public interface ISpaceModel : Strategies.ISearchModel
{
    /// <summary>Trainable weights (α excluded).</summary>
    long WeightCount { get; }

    /// <summary>α, all groups' rows.</summary>
    float[,] AlphaValues();

    /// <summary>The relaxation's deterministic weights per row (softmax, σ, a Dirichlet's mean).</summary>
    float[,] RelaxedValues();

    /// <summary>The weights a genotype is derived from: <see cref="RelaxedValues"/>, each row times its edge weight where the method normalises edges.</summary>
    float[,] DerivationValues();

    /// <summary>The epoch's schedules (GDAS' τ, DARTS-'s auxiliary skip coefficient), at the start of 0-based <paramref name="epoch"/> of <paramref name="epochs"/>.</summary>
    void BeginEpoch(int epoch, int epochs);
}

/// <summary>A discrete architecture of some space, in the terms every view and aggregate uses.</summary>
public interface ISpaceGenotype
{
    /// <summary>The space's canonical text (what <see cref="ISearchSpace.Parse"/> reads back).</summary>
    string Text { get; }

    /// <summary>Parameter-free edges among <see cref="ISearchSpace.CountedEdges"/>.</summary>
    int ParameterFreeEdges { get; }

    /// <summary>skip_connect edges among <see cref="ISearchSpace.CountedEdges"/>.</summary>
    int SkipConnects { get; }

    /// <summary>Share of the counted edges per operation, in the space's operation order.</summary>
    double[] OpShares();

    /// <summary>
    /// The genotype as categorical slots (NB201: an operation per edge; DARTS: an (operation, input)
    /// pair per kept edge of both cells): the Hamming distance of two genotypes counts differing slots.
    /// </summary>
    IReadOnlyList<int> Slots { get; }
}

/// <summary>Genotype texts given to commands: a published name or the space's own text.</summary>
public static class Genotypes
{
    /// <summary>The canonical text of <paramref name="arch"/> (a name of <see cref="ISearchSpace.NamedGenotypes"/>, case-insensitive, or a genotype text); <see cref="FormatException"/> names the problem.</summary>
    public static string Resolve(ISearchSpace space, string arch)
    {
        var trimmed = arch.Trim();
        if (space.NamedGenotypes.TryGetValue(trimmed.ToLowerInvariant(), out var named)) return named;
        return space.Parse(trimmed).Text;
    }
}
