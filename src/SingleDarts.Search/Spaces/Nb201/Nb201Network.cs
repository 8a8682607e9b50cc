using SingleDarts.Search.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>
/// One operation of a fixed NAS-Bench-201 cell as the benchmark trains it (its InferCell): none
/// (zeros), skip_connect (identity), nor_conv_1x1/3x3 (ReLU → Conv without bias → affine BatchNorm),
/// avg_pool_3x3 (stride 1, padding not counted).
/// </summary>
public sealed class Nb201Op : nn.Module<Tensor, Tensor>, IReferenceNames
{
    // the reference cell holds the operation itself (xautodl/models/cell_infers/cells.py: InferCell.layers[i] = OPS[name](...))
    public IReadOnlyList<(string Ours, string Reference)> ReferenceNames => [("conv", "")];

    private readonly int op;
    private readonly ReLUConvBN? conv;

    public Nb201Op(int op, long channels, Generator generator) : base(nameof(Nb201Op))
    {
        this.op = op;
        conv = op switch
        {
            Primitives.Conv1x1 => new ReLUConvBN(channels, channels, 1, 1, generator),
            Primitives.Conv3x3 => new ReLUConvBN(channels, channels, 3, 1, generator),
            _ => null,
        };
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => op switch
    {
        Primitives.None => zeros_like(x),
        Primitives.SkipConnect => x.alias(),
        Primitives.AvgPool3x3 => F.avg_pool2d(x, [3, 3], [1, 1], [1, 1], count_include_pad: false),
        _ => conv!.forward(x),
    };
}

/// <summary>A fixed NAS-Bench-201 cell: node j is the sum over i &lt; j of edge (j←i)'s operation on node i; the output is node 3.</summary>
public sealed class Nb201InferCell : nn.Module<Tensor, Tensor>, IReferenceNames
{
    // xautodl/models/cell_infers/cells.py: InferCell.layers, edge by edge in the genotype's order (1←0, 2←0, 2←1, 3←0, 3←1, 3←2, as ours)
    public IReadOnlyList<(string Ours, string Reference)> ReferenceNames => [("ops", "layers")];

    private readonly ModuleList<Nb201Op> ops;

    public Nb201InferCell(Genotype genotype, long channels, Generator generator) : base(nameof(Nb201InferCell))
    {
        ops = new ModuleList<Nb201Op>([.. genotype.Ops.Select(op => new Nb201Op(op, channels, generator))]);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var nodes = new List<Tensor> { x };
        for (var to = 1; to < Edge.NodeCount; to++)
        {
            Tensor? sum = null;
            for (var e = 0; e < Edge.Count; e++)
            {
                if (Edge.All[e].To != to) continue;
                var y = ops[e].forward(nodes[Edge.All[e].From]);
                // never in place: the first term may be a node itself (skip_connect is its alias), which
                // other edges and autograd still need; libtorch aborts the process on such a version clash
                sum = sum is null ? y : sum.add(y, Scalars.One);
            }
            nodes.Add(sum!);
        }
        return nodes[^1].MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The NAS-Bench-201 evaluation network (its TinyNetwork): stem 3×3 conv (3→C, no bias) + BN; N
/// cells at C; residual block C→2C; N cells at 2C; block 2C→4C; N cells at 4C; BN → ReLU → global
/// average pool → Linear. Every cell is the given genotype.
/// </summary>
public sealed class Nb201Network : EvalNetwork, IReferenceNames
{
    // D-X-Y/AutoDL-Projects, xautodl/models/cell_infers/tiny_network.py: TinyNetwork.stem = Sequential(Conv2d, BN), .cells, .lastact = Sequential(BN, ReLU), .classifier
    public IReadOnlyList<(string Ours, string Reference)> ReferenceNames => [("stem_conv", "stem.0"), ("stem_bn", "stem.1"), ("lastact_bn", "lastact.0")];

    private readonly ConvLayer stem_conv;
    private readonly BatchNormLayer stem_bn;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> cells;
    private readonly BatchNormLayer lastact_bn;
    private readonly LinearLayer classifier;

    public Nb201Network(Genotype genotype, int channels, int cellsPerStage, int numClasses, Generator generator) : base(nameof(Nb201Network))
    {
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), "channels must be positive");
        if (cellsPerStage <= 0) throw new ArgumentOutOfRangeException(nameof(cellsPerStage), "cells per stage must be positive");
        ReferenceModel = $"TinyNetwork({channels}, {cellsPerStage}, Structure.str2structure('{genotype.Text}'), {numClasses})";
        stem_conv = new ConvLayer(3, channels, 3, generator, padding: 1, bias: false);
        stem_bn = new BatchNormLayer(channels);
        var layers = new List<nn.Module<Tensor, Tensor>>();
        long c = channels;
        for (var stage = 0; stage < 3; stage++)
        {
            if (stage > 0)
            {
                layers.Add(new ResNetBlock(c, 2 * c, generator));
                c *= 2;
            }
            for (var i = 0; i < cellsPerStage; i++) layers.Add(new Nb201InferCell(genotype, c, generator));
        }
        cells = new ModuleList<nn.Module<Tensor, Tensor>>([.. layers]);
        lastact_bn = new BatchNormLayer(c);
        classifier = new LinearLayer(c, numClasses, generator);
        RegisterComponents();
    }

    public override bool HasAuxiliary => false;

    /// <summary>xautodl/models/cell_infers/tiny_network.py: <c>TinyNetwork(C, N, genotype, num_classes)</c>, the genotype from xautodl/models/cell_searchs/genotypes.py.</summary>
    public override string ReferenceModel { get; }

    public override (Tensor Logits, Tensor? Auxiliary) Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = stem_bn.forward(stem_conv.forward(x));
        foreach (var layer in cells)
        {
            var next = layer.forward(h);
            h.Dispose();
            h = next;
        }
        var pooled = F.adaptive_avg_pool2d(F.relu(lastact_bn.forward(h)), 1).flatten(1);
        return (classifier.forward(pooled).MoveToOuterDisposeScope(), null);
    }
}
