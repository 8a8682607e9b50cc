using SingleDarts.Search.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SingleDarts.Search.Spaces.Darts;

/// <summary>
/// One operation of a DARTS evaluation cell (the DARTS code's OPS with affine BatchNorm): pools
/// without BatchNorm, skip_connect the identity (a <see cref="FactorizedReduce"/> on a stride-2 edge),
/// none zeros.
/// </summary>
public sealed class DartsFixedOp : nn.Module<Tensor, Tensor>, IReferenceNames
{
    // the reference cell holds the operation itself (quark0/darts, cnn/model.py: Cell._ops[i] = OPS[name](C, stride, True))
    public IReadOnlyList<(string Ours, string Reference)> ReferenceNames => [("module", "")];

    private readonly int op;
    private readonly long stride;
    private readonly nn.Module<Tensor, Tensor>? module;

    public DartsFixedOp(int op, long channels, long stride, Generator generator) : base(nameof(DartsFixedOp))
    {
        this.op = op;
        this.stride = stride;
        module = op switch
        {
            DartsPrimitives.SkipConnect when stride != 1 => new FactorizedReduce(channels, channels, affine: true, generator),
            DartsPrimitives.SepConv3x3 => new SepConv(channels, channels, 3, stride, 1, affine: true, generator),
            DartsPrimitives.SepConv5x5 => new SepConv(channels, channels, 5, stride, 2, affine: true, generator),
            DartsPrimitives.DilConv3x3 => new DilConv(channels, channels, 3, stride, 2, 2, affine: true, generator),
            DartsPrimitives.DilConv5x5 => new DilConv(channels, channels, 5, stride, 4, 2, affine: true, generator),
            _ => null,
        };
        RegisterComponents();
    }

    /// <summary>The identity: drop-path leaves it alone (as the DARTS code's <c>isinstance(op, Identity)</c>).</summary>
    public bool IsIdentity => op == DartsPrimitives.SkipConnect && stride == 1;

    public override Tensor forward(Tensor x) => op switch
    {
        DartsPrimitives.None => stride == 1 ? zeros_like(x) : zeros_like(x[.., .., TensorIndex.Slice(step: stride), TensorIndex.Slice(step: stride)]),
        DartsPrimitives.MaxPool3x3 => F.max_pool2d(x, [3, 3], [stride, stride], [1, 1]),
        DartsPrimitives.AvgPool3x3 => F.avg_pool2d(x, [3, 3], [stride, stride], [1, 1], count_include_pad: false),
        DartsPrimitives.SkipConnect when stride == 1 => x.alias(),
        _ => module!.forward(x),
    };
}

/// <summary>
/// A DARTS evaluation cell: the two inputs preprocessed to C channels (FactorizedReduce after a
/// reduction), each of the four nodes the sum of its two genes' operations, drop-path on every
/// non-identity operation while training, the output the concatenation of nodes 2–5.
/// </summary>
public sealed class DartsEvalCell : nn.Module, IReferenceNames
{
    // quark0/darts, cnn/model.py: Cell.preprocess0, .preprocess1, ._ops (in the genotype's order, as ours)
    public IReadOnlyList<(string Ours, string Reference)> ReferenceNames => [("ops", "_ops")];

    private readonly nn.Module<Tensor, Tensor> preprocess0;
    private readonly ReLUConvBN preprocess1;
    private readonly ModuleList<DartsFixedOp> ops;
    private readonly int[] inputs;

    public DartsEvalCell(IReadOnlyList<DartsGene> genes, long cPrevPrev, long cPrev, long channels, bool reduction, bool reductionPrev, Generator generator)
        : base(nameof(DartsEvalCell))
    {
        Reduction = reduction;
        preprocess0 = reductionPrev
            ? new FactorizedReduce(cPrevPrev, channels, affine: true, generator)
            : new ReLUConvBN(cPrevPrev, channels, 1, 1, 0, affine: true, generator);
        preprocess1 = new ReLUConvBN(cPrev, channels, 1, 1, 0, affine: true, generator);
        ops = new ModuleList<DartsFixedOp>([.. genes.Select(g => new DartsFixedOp(g.Op, channels, reduction && g.From < 2 ? 2 : 1, generator))]);
        inputs = [.. genes.Select(g => g.From)];
        RegisterComponents();
    }

    public bool Reduction { get; }

    public Tensor forward(Tensor s0, Tensor s1, double dropPath, Generator generator)
    {
        using var scope = NewDisposeScope();
        var states = new List<Tensor> { preprocess0.forward(s0), preprocess1.forward(s1) };
        for (var node = 0; node < DartsEdge.Steps; node++)
        {
            Tensor? sum = null;
            for (var k = 0; k < DartsGenotype.EdgesPerNode; k++)
            {
                var i = node * DartsGenotype.EdgesPerNode + k;
                var h = ops[i].forward(states[inputs[i]]);
                if (training && dropPath > 0 && !ops[i].IsIdentity) h = DropPath.Apply(h, dropPath, generator);
                sum = sum is null ? h : sum.add(h, Scalars.One);
            }
            states.Add(sum!);
        }
        return cat(DartsGenotype.Concat.Select(s => states[s]).ToArray(), 1).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The DARTS auxiliary classifier for 8×8 inputs: ReLU → 5×5 average pool (stride 3, padding not
/// counted) → 1×1 conv to 128 → BN → ReLU → 2×2 conv to 768 → BN → ReLU → Linear.
/// </summary>
public sealed class AuxiliaryHead : nn.Module<Tensor, Tensor>, IReferenceNames
{
    // quark0/darts, cnn/model.py: AuxiliaryHeadCIFAR.features = Sequential(ReLU, AvgPool2d, Conv2d, BN, ReLU, Conv2d, BN, ReLU), .classifier
    public IReadOnlyList<(string Ours, string Reference)> ReferenceNames =>
        [("conv_1", "features.2"), ("bn_1", "features.3"), ("conv_2", "features.5"), ("bn_2", "features.6")];

    private readonly ConvLayer conv_1, conv_2;
    private readonly BatchNormLayer bn_1, bn_2;
    private readonly LinearLayer classifier;

    public AuxiliaryHead(long channels, int numClasses, Generator generator) : base(nameof(AuxiliaryHead))
    {
        conv_1 = new ConvLayer(channels, 128, 1, generator, bias: false);
        bn_1 = new BatchNormLayer(128);
        conv_2 = new ConvLayer(128, 768, 2, generator, bias: false);
        bn_2 = new BatchNormLayer(768);
        classifier = new LinearLayer(768, numClasses, generator);
        RegisterComponents();
    }

    /// <summary>The least feature-map side the head accepts: its 5×5/3 pooling must leave 2×2 for the 2×2 conv (CIFAR's 32 px give 8).</summary>
    public const int MinSide = 8;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = F.avg_pool2d(F.relu(x), [5, 5], [3, 3], [0, 0], count_include_pad: false);
        h = F.relu(bn_1.forward(conv_1.forward(h)));
        h = F.relu(bn_2.forward(conv_2.forward(h)));
        return classifier.forward(h.flatten(1)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The DARTS evaluation network (NetworkCIFAR): stem 3×3 conv (3 → 3C, no bias) + BN; L cells of the
/// genotype, reductions at L/3 and 2L/3 doubling the channels; optionally an auxiliary head on the
/// output of cell 2L/3 (training only); global average pool and a linear classifier.
/// </summary>
public sealed class DartsEvalNetwork : EvalNetwork, IReferenceNames
{
    // quark0/darts, cnn/model.py: NetworkCIFAR.stem = Sequential(Conv2d, BatchNorm2d); .cells, .auxiliary_head, .classifier as ours
    public IReadOnlyList<(string Ours, string Reference)> ReferenceNames => [("stem_conv", "stem.0"), ("stem_bn", "stem.1")];

    private readonly ConvLayer stem_conv;
    private readonly BatchNormLayer stem_bn;
    private readonly ModuleList<DartsEvalCell> cells;
    private readonly AuxiliaryHead? auxiliary_head;
    private readonly LinearLayer classifier;
    private readonly Generator generator;
    private readonly int auxiliaryAfter;

    /// <param name="generator">initialises the weights and then draws the drop-path masks.</param>
    public DartsEvalNetwork(DartsGenotype genotype, int channels, int layers, int numClasses, bool auxiliary, Generator generator)
        : base(nameof(DartsEvalNetwork))
    {
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), "channels must be positive");
        if (layers < 3) throw new ArgumentOutOfRangeException(nameof(layers), "the DARTS network needs at least 3 cells (two of them reductions)");
        this.generator = generator;
        ReferenceModel = $"NetworkCIFAR({channels}, {numClasses}, {layers}, {(auxiliary ? "True" : "False")}, {genotype.Text})";
        long current = DartsNetwork.StemMultiplier * channels;
        stem_conv = new ConvLayer(3, current, 3, generator, padding: 1, bias: false);
        stem_bn = new BatchNormLayer(current);
        long prevPrev = current, prev = current, toAuxiliary = 0;
        current = channels;
        var list = new List<DartsEvalCell>();
        var reductionPrev = false;
        auxiliaryAfter = 2 * layers / 3;
        for (var i = 0; i < layers; i++)
        {
            var reduction = DartsNetwork.IsReduction(i, layers);
            if (reduction) current *= 2;
            list.Add(new DartsEvalCell(reduction ? genotype.Reduce : genotype.Normal, prevPrev, prev, current, reduction, reductionPrev, generator));
            reductionPrev = reduction;
            (prevPrev, prev) = (prev, DartsNetwork.Multiplier * current);
            if (i == auxiliaryAfter) toAuxiliary = prev;
        }
        cells = new ModuleList<DartsEvalCell>([.. list]);
        if (auxiliary) auxiliary_head = new AuxiliaryHead(toAuxiliary, numClasses, generator);
        classifier = new LinearLayer(prev, numClasses, generator);
        RegisterComponents();
    }

    public override bool HasAuxiliary => auxiliary_head is not null;

    /// <summary>quark0/darts, cnn/model.py: <c>NetworkCIFAR(C, num_classes, layers, auxiliary, genotype)</c>; the genotype text is its genotypes.py syntax.</summary>
    public override string ReferenceModel { get; }

    public override (Tensor Logits, Tensor? Auxiliary) Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var s0 = stem_bn.forward(stem_conv.forward(x));
        var s1 = s0;
        Tensor? aux = null;
        for (var i = 0; i < cells.Count; i++)
        {
            var next = cells[i].forward(s0, s1, DropPathProb, generator);
            (s0, s1) = (s1, next);
            if (i == auxiliaryAfter && training && auxiliary_head is not null) aux = auxiliary_head.forward(s1);
        }
        var logits = classifier.forward(F.adaptive_avg_pool2d(s1, 1).flatten(1));
        return (logits.MoveToOuterDisposeScope(), aux?.MoveToOuterDisposeScope());
    }
}
