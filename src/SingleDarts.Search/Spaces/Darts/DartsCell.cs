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

    public MixedOp(long channels, long stride, Generator generator) : base(nameof(MixedOp))
    {
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

    public DartsCell(long cPrevPrev, long cPrev, long channels, bool reduction, bool reductionPrev, Generator generator) : base(nameof(DartsCell))
    {
        Reduction = reduction;
        preprocess0 = reductionPrev
            ? new FactorizedReduce(cPrevPrev, channels, affine: false, generator)
            : new ReLUConvBN(cPrevPrev, channels, 1, 1, 0, affine: false, generator);
        preprocess1 = new ReLUConvBN(cPrev, channels, 1, 1, 0, affine: false, generator);
        edges = new ModuleList<MixedOp>([.. DartsEdge.All.Select(e => new MixedOp(channels, reduction && e.From < 2 ? 2 : 1, generator))]);
        RegisterComponents();
    }

    public bool Reduction { get; }

    /// <param name="weights">the relaxed weights of this kind of cell [14, 8].</param>
    public Tensor forward(Tensor s0, Tensor s1, Tensor weights)
    {
        using var scope = NewDisposeScope();
        var states = new List<Tensor> { preprocess0.forward(s0), preprocess1.forward(s1) };
        var row = 0;
        for (var node = 0; node < DartsEdge.Steps; node++)
        {
            Tensor? sum = null;
            for (var from = 0; from < states.Count; from++, row++)
            {
                var y = edges[row].forward(states[from], weights.select(0, row));
                if (sum is null) sum = y;
                else sum.add_(y, Scalars.One);
            }
            states.Add(sum!);
        }
        return cat(states.Skip(2).ToArray(), 1).MoveToOuterDisposeScope();
    }
}
