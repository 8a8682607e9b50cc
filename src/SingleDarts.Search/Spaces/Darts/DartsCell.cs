using SingleDarts.Search.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Darts;

/// <summary>
/// One edge of the DARTS search cell: Σ_op w_op·op(x) over the eight operations (none adds zeros and
/// is skipped — its weight still takes part in the relaxation, and its gradient is zero either way).
/// Operations as in the DARTS search network: no affine BatchNorm parameters, pools followed by
/// BatchNorm, skip_connect on a stride-2 edge a <see cref="FactorizedReduce"/>.
/// </summary>
public sealed class MixedOp : nn.Module
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> ops;
    private readonly bool[] present;
    private readonly bool identitySkip;
    private readonly long stride;

    public MixedOp(long channels, long stride, Generator generator) : base(nameof(MixedOp))
    {
        this.stride = stride;
        var list = new List<nn.Module<Tensor, Tensor>?>();
        for (var op = 0; op < DartsPrimitives.Count; op++)
            list.Add(op switch
            {
                DartsPrimitives.None => null,
                DartsPrimitives.MaxPool3x3 => new PoolBN(max: true, channels, stride),
                DartsPrimitives.AvgPool3x3 => new PoolBN(max: false, channels, stride),
                DartsPrimitives.SkipConnect => stride == 1 ? null : new FactorizedReduce(channels, channels, affine: false, generator),
                DartsPrimitives.SepConv3x3 => new SepConv(channels, channels, 3, stride, 1, affine: false, generator),
                DartsPrimitives.SepConv5x5 => new SepConv(channels, channels, 5, stride, 2, affine: false, generator),
                DartsPrimitives.DilConv3x3 => new DilConv(channels, channels, 3, stride, 2, 2, affine: false, generator),
                DartsPrimitives.DilConv5x5 => new DilConv(channels, channels, 5, stride, 4, 2, affine: false, generator),
                _ => throw new InvalidOperationException($"unknown operation {op}"),
            });
        ops = new ModuleList<nn.Module<Tensor, Tensor>>([.. list.OfType<nn.Module<Tensor, Tensor>>()]);
        present = [.. list.Select(m => m is not null)];
        identitySkip = stride == 1;
        RegisterComponents();
    }

    /// <param name="x">the edge's input state.</param>
    /// <param name="weights">the edge's relaxed operation weights [8].</param>
    public Tensor forward(Tensor x, Tensor weights)
    {
        using var scope = NewDisposeScope();
        Tensor? sum = null;
        var module = 0;
        for (var op = 0; op < DartsPrimitives.Count; op++)
        {
            Tensor y;
            if (present[op]) y = ops[module++].forward(x);
            else if (op == DartsPrimitives.SkipConnect && identitySkip) y = x;
            else continue;      // none
            var term = y.mul(weights.select(0, op));
            if (sum is null) sum = term;
            else sum.add_(term, Scalars.One);
        }
        return sum!.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// GDAS: only the sampled operation runs; its output times its (straight-through) weight, as AutoDL's DARTS-space
    /// <c>MixedOp.forward_gdas</c> (the other weights get no gradient from this edge).
    /// </summary>
    /// <param name="weights">the edge's hard weights [8].</param>
    public Tensor forward_sampled(Tensor x, Tensor weights, long sampled)
    {
        using var scope = NewDisposeScope();
        var op = (int)sampled;
        Tensor y;
        if (present[op]) y = ops[Enumerable.Range(0, op).Count(i => present[i])].forward(x);
        else if (op == DartsPrimitives.SkipConnect && identitySkip) y = x;
        else y = zeros(Strided(x.shape), x.dtype, x.device);      // none: zeros of the edge's output size (DARTS' Zero: x[:, :, ::stride, ::stride]·0)
        return y.mul(weights.select(0, op)).MoveToOuterDisposeScope();
    }

    private long[] Strided(long[] shape) => [shape[0], shape[1], (shape[2] + stride - 1) / stride, (shape[3] + stride - 1) / stride];
}

/// <summary>
/// The DARTS search cell: two input states (the previous two cells' outputs, preprocessed to C
/// channels), four intermediate nodes each the sum of the mixed operations on every earlier state,
/// the output the concatenation of the four (4C channels). In a reduction cell the edges from the
/// two inputs have stride 2.
/// </summary>
public sealed class DartsCell : nn.Module
{
    private readonly nn.Module<Tensor, Tensor> preprocess0;
    private readonly ReLUConvBN preprocess1;
    private readonly ModuleList<MixedOp> edges;
    private readonly ModuleList<FactorizedReduce> auxiliary;     // DARTS-: the auxiliary skip of each stride-2 edge
    private readonly int[] auxiliaryOf;                           // row → its auxiliary module, −1: the identity
    private readonly int partialChannels;

    /// <param name="partialChannels">PC-DARTS' K (1: every channel goes through the operations).</param>
    /// <param name="auxiliarySkip">DARTS-: build the auxiliary skip connections (a FactorizedReduce on each stride-2 edge).</param>
    public DartsCell(long cPrevPrev, long cPrev, long channels, bool reduction, bool reductionPrev, Generator generator,
        int partialChannels = 1, bool auxiliarySkip = false) : base(nameof(DartsCell))
    {
        Reduction = reduction;
        this.partialChannels = partialChannels;
        preprocess0 = reductionPrev
            ? new FactorizedReduce(cPrevPrev, channels, affine: false, generator)
            : new ReLUConvBN(cPrevPrev, channels, 1, 1, 0, affine: false, generator);
        preprocess1 = new ReLUConvBN(cPrev, channels, 1, 1, 0, affine: false, generator);
        var active = Parts.PartialChannels.ActiveChannels(channels, partialChannels);
        edges = new ModuleList<MixedOp>([.. DartsEdge.All.Select(e => new MixedOp(active, Stride(e), generator))]);
        var aux = new List<FactorizedReduce>();
        auxiliaryOf = [.. DartsEdge.All.Select(e => auxiliarySkip && Stride(e) == 2 ? Add(aux, new FactorizedReduce(channels, channels, affine: false, generator)) : -1)];
        auxiliary = new ModuleList<FactorizedReduce>([.. aux]);
        RegisterComponents();

        long Stride(DartsEdge e) => reduction && e.From < 2 ? 2 : 1;
    }

    private static int Add(List<FactorizedReduce> list, FactorizedReduce module)
    {
        list.Add(module);
        return list.Count - 1;
    }

    public bool Reduction { get; }

    /// <param name="weights">the relaxed weights of this kind of cell [14, 8].</param>
    public Tensor forward(Tensor s0, Tensor s1, Tensor weights) => forward(s0, s1, new ArchWeights(weights, null, null, 0));

    /// <param name="arch">this kind of cell's architecture weights: op weights [14, 8], and where the method has them a draw's
    /// sampled operations, the edge weights [14] (a node sums its edges weighted) and the auxiliary skip coefficient.</param>
    public Tensor forward(Tensor s0, Tensor s1, ArchWeights arch)
    {
        using var scope = NewDisposeScope();
        var states = new List<Tensor> { preprocess0.forward(s0), preprocess1.forward(s1) };
        var row = 0;
        for (var node = 0; node < DartsEdge.Steps; node++)
        {
            Tensor? sum = null;
            for (var from = 0; from < states.Count; from++, row++)
            {
                var y = Edge(row, states[from], arch);
                if (arch.Edges is { } e) y = y.mul(e.select(0, row));
                if (sum is null) sum = y;
                else sum.add_(y, Scalars.One);
            }
            states.Add(sum!);
        }
        return cat(states.Skip(2).ToArray(), 1).MoveToOuterDisposeScope();
    }

    private Tensor Edge(int row, Tensor x, ArchWeights arch)
    {
        var op = edges[row];
        var w = arch.Ops.select(0, row);
        Tensor Mixed(Tensor input) => arch.Sampled is { } sampled ? op.forward_sampled(input, w, sampled[row]) : op.forward(input, w);
        var y = partialChannels <= 1 ? Mixed(x) : Parts.PartialChannels.Forward(x, partialChannels, Mixed);
        if (arch.AuxiliarySkip <= 0) return y;
        var aux = auxiliaryOf[row] < 0 ? x : auxiliary[auxiliaryOf[row]].forward(x);
        return Parts.AuxiliarySkip.Add(y, aux, arch.AuxiliarySkip);
    }
}
