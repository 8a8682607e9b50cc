using SingleDarts.Search.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Parts;

/// <summary>
/// PC-DARTS edge normalisation: one more architecture parameter β per edge; a node's input is
/// Σ_{edges into it} softmax(β)_edge · MixedOp_edge, the softmax taken over the edges into that node
/// only. It offsets the noise partial channels put into the operation weights, and it enters the
/// derivation: an edge's strength is softmax(α)_{edge,op} · softmax(β)_edge.
/// <para>
/// Reference: yuhuixu1993/PC-DARTS, model_search.py: <c>_initialize_alphas</c> (β_normal, β_reduce =
/// 1e-3·randn(14), drawn after α_normal and α_reduce, trained by the same Adam as α),
/// <c>Network.forward</c> (softmax of β[0:2], β[2:5], β[5:9], β[9:14], concatenated),
/// <c>Cell.forward</c> (node = Σ_j weights2[offset+j]·MixedOp(h_j, weights[offset+j])) and
/// <c>genotype._parse</c> (W = softmax(α) rows each times its softmax(β); per node the two edges whose
/// largest non-none W is largest, each with its argmax non-none op).
/// </para>
/// <para>
/// Defaults. DARTS space: 4 intermediate nodes with 2, 3, 4, 5 incoming edges (14 per cell type;
/// normal then reduce, as our 28-row α). NAS-Bench-201: no reference implements it (DrNAS's NB201
/// partial-channel cell has none); the natural transfer is nodes 1, 2, 3 with 1, 2, 3 incoming edges
/// in the benchmark's row order 1←0 | 2←0, 2←1 | 3←0, 3←1, 3←2. Node 1's single edge always weighs 1,
/// and since NB201 keeps every edge and picks the argmax op per edge, a positive per-edge factor never
/// changes an NB201 genotype: there β acts on the training dynamics only.
/// </para>
/// <para>
/// What we do differently: nothing in the arithmetic. β is given in any shape whose last dimension
/// (or flattened length) is a multiple of the edges per cell, so [14], [2, 14] and our [28] layout
/// (normal then reduce) all work.
/// </para>
/// </summary>
public sealed class EdgeNormalization
{
    /// <summary>β = this scale × N(0, 1), as α.</summary>
    public const double BetaInitScale = 1e-3;

    private readonly int[] incoming;
    private readonly int[] first;

    /// <summary>NAS-Bench-201: nodes 1, 2, 3 receive 1, 2, 3 edges.</summary>
    public static EdgeNormalization Nb201 { get; } = new([1, 2, 3]);

    /// <summary>DARTS: intermediate nodes 0–3 receive 2, 3, 4, 5 edges.</summary>
    public static EdgeNormalization Darts { get; } = new([2, 3, 4, 5]);

    /// <param name="incoming">edges into each node, in α's row order (rows grouped by target node).</param>
    public EdgeNormalization(IReadOnlyList<int> incoming)
    {
        if (incoming.Count == 0 || incoming.Any(n => n < 1)) throw new ArgumentException("every node needs at least one incoming edge", nameof(incoming));
        this.incoming = [.. incoming];
        first = new int[incoming.Count];
        for (var i = 1; i < first.Length; i++) first[i] = first[i - 1] + incoming[i - 1];
        EdgeCount = first[^1] + incoming[^1];
    }

    /// <summary>Edges per cell.</summary>
    public int EdgeCount { get; }

    /// <summary>Edges into each node.</summary>
    public IReadOnlyList<int> Incoming => incoming;

    /// <summary>The first row of the edges into <paramref name="node"/>.</summary>
    public int FirstRow(int node) => first[node];

    /// <summary>
    /// β = 1e-3·N(0,1) for <paramref name="cellTypes"/> × <see cref="EdgeCount"/> edges (flat: normal
    /// cell's edges first), drawn from <paramref name="generator"/> — after α, as in PC-DARTS.
    /// </summary>
    public Parameter InitBeta(int cellTypes, Generator generator, Device? device = null)
    {
        using var draw = randn([cellTypes * (long)EdgeCount], generator: generator);
        using var scale = BetaInitScale.ToScalar();
        using var scaled = draw.mul(scale);
        var onCpu = device is null || device.type == DeviceType.CPU;
        return Parameters.From(onCpu ? scaled.clone() : scaled.to(device!));
    }

    /// <summary>
    /// softmax(β) over the edges into each node: same shape as <paramref name="beta"/>, whose elements
    /// are read as consecutive cells of <see cref="EdgeCount"/> edges.
    /// </summary>
    public Tensor Weights(Tensor beta)
    {
        if (beta.numel() % EdgeCount != 0)
            throw new ArgumentException($"β has {beta.numel()} elements, not a multiple of {EdgeCount} edges", nameof(beta));
        using var scope = NewDisposeScope();
        var rows = beta.reshape(-1, EdgeCount);
        var parts = new Tensor[incoming.Length];
        for (var node = 0; node < incoming.Length; node++)
            parts[node] = nn.functional.softmax(rows.narrow(1, first[node], incoming[node]), 1);
        return cat(parts, 1).reshape(beta.shape).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Each row of op weights times its edge's weight: softmax(α)_{e,op}·softmax(β)_e. This is PC-DARTS's
    /// derivation matrix (feed it to the space's genotype derivation in place of softmax(α)), and also,
    /// without partial channels, the edge-normalised forward folded into the op weights, because
    /// β_e·Σ_op w_op·op(x) = Σ_op (β_e·w_op)·op(x).
    /// </summary>
    /// <param name="opWeights">relaxed op weights [rows, ops] (rows = cells × edges).</param>
    /// <param name="edgeWeights">per-edge weights (from <see cref="Weights"/>), rows elements.</param>
    public static Tensor Scale(Tensor opWeights, Tensor edgeWeights)
    {
        using var column = edgeWeights.reshape(-1, 1);
        if (column.shape[0] != opWeights.shape[0])
            throw new ArgumentException($"{column.shape[0]} edge weights for {opWeights.shape[0]} rows of op weights", nameof(edgeWeights));
        return opWeights.mul(column);
    }

    /// <summary><see cref="Scale"/>(relaxed α, <see cref="Weights"/>(β)) as an array, without gradient.</summary>
    public float[,] DerivationWeights(Tensor opWeights, Tensor beta)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var w = Scale(opWeights, Weights(beta)).detach().to(ScalarType.Float32).cpu().contiguous();
        var flat = w.data<float>().ToArray();
        var m = new float[w.shape[0], w.shape[1]];
        Buffer.BlockCopy(flat, 0, m, 0, flat.Length * sizeof(float));
        return m;
    }
}
