using SingleDarts.Search.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Darts;

/// <summary>
/// The DARTS CNN search network: stem 3×3 conv (3 → 3C, no bias) + BatchNorm; L cells, the ones at
/// L/3 and 2L/3 reduction cells that halve the resolution and double the channels; global average
/// pool and a linear classifier. Every normal cell shares one set of relaxed weights, every reduction
/// cell the other; the architecture parameters are not part of this module.
/// </summary>
public sealed class DartsNetwork : nn.Module
{
    /// <summary>Stem channels are this many times C; each cell's output is the concatenation of this many nodes.</summary>
    public const int StemMultiplier = 3, Multiplier = DartsEdge.Steps;

    private readonly ConvLayer stem_conv;
    private readonly BatchNormLayer stem_bn;
    private readonly ModuleList<DartsCell> cells;
    private readonly LinearLayer classifier;

    public DartsNetwork(int channels, int layers, int numClasses, Generator generator, int partialChannels = 1, bool auxiliarySkip = false) : base(nameof(DartsNetwork))
    {
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), "channels must be positive");
        if (layers < 3) throw new ArgumentOutOfRangeException(nameof(layers), "the DARTS network needs at least 3 cells (two of them reductions)");
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), "at least 2 classes are needed");

        long current = StemMultiplier * channels;
        stem_conv = new ConvLayer(3, current, 3, generator, padding: 1, bias: false);
        stem_bn = new BatchNormLayer(current, affine: true);
        long prevPrev = current, prev = current;
        current = channels;
        var list = new List<DartsCell>();
        var reductionPrev = false;
        for (var i = 0; i < layers; i++)
        {
            var reduction = IsReduction(i, layers);
            if (reduction) current *= 2;
            list.Add(new DartsCell(prevPrev, prev, current, reduction, reductionPrev, generator, partialChannels, auxiliarySkip));
            reductionPrev = reduction;
            (prevPrev, prev) = (prev, Multiplier * current);
        }
        cells = new ModuleList<DartsCell>([.. list]);
        classifier = new LinearLayer(prev, numClasses, generator);
        RegisterComponents();
    }

    /// <summary>Cells L/3 and 2L/3 (integer division) are reduction cells.</summary>
    public static bool IsReduction(int layer, int layers) => layer == layers / 3 || layer == 2 * layers / 3;

    /// <param name="x">images [B, 3, H, W].</param>
    /// <param name="normal">relaxed weights of the normal cells [14, 8].</param>
    /// <param name="reduce">relaxed weights of the reduction cells [14, 8].</param>
    /// <returns>logits [B, classes].</returns>
    public Tensor forward(Tensor x, Tensor normal, Tensor reduce) => forward(x, new ArchWeights(normal, null, null, 0), new ArchWeights(reduce, null, null, 0));

    /// <param name="x">images [B, 3, H, W].</param>
    /// <param name="normal">the normal cells' architecture weights (op weights [14, 8], …).</param>
    /// <param name="reduce">the reduction cells' architecture weights.</param>
    /// <returns>logits [B, classes].</returns>
    public Tensor forward(Tensor x, ArchWeights normal, ArchWeights reduce)
    {
        using var scope = NewDisposeScope();
        var s0 = stem_bn.forward(stem_conv.forward(x));
        var s1 = s0;
        foreach (var cell in cells)
        {
            var next = cell.forward(s0, s1, cell.Reduction ? reduce : normal);
            (s0, s1) = (s1, next);
        }
        var pooled = nn.functional.adaptive_avg_pool2d(s1, 1).flatten(1);
        return classifier.forward(pooled).MoveToOuterDisposeScope();
    }

    /// <summary>Number of trainable weights (architecture parameters are not part of the network).</summary>
    public long WeightCount => parameters().Sum(p => p.numel());
}
