using SingleDarts.Search.Nn;
using SingleDarts.Search.Parts;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>
/// NAS-Bench-201 search cell: 4 nodes, node j = Σ_{i&lt;j} MixedOp_{j←i}(node i), output node 3.
/// The mixed ops are grouped by source node (see <see cref="MixedOps"/>), which fixes the order
/// of evaluation: node 0's edges, node 1 = slot 0 of them, node 1's edges, node 2, node 2's edge.
/// With partial channels (PC-DARTS), 1/K of a node's channels go through its edges' operations and the
/// rest bypass them (<see cref="PartialChannels"/>); with DARTS-'s auxiliary skip, every edge adds its input times the epoch's coefficient.
/// </summary>
public sealed class Cell : nn.Module
{
    private readonly MixedOps edges_from_0, edges_from_1, edges_from_2;
    private readonly int partialChannels;

    /// <param name="partialChannels">PC-DARTS' K (1: every channel goes through the operations).</param>
    public Cell(long channels, Generator generator, int partialChannels = 1) : base(nameof(Cell))
    {
        this.partialChannels = partialChannels;
        var active = PartialChannels.ActiveChannels(channels, partialChannels);
        edges_from_0 = new MixedOps(active, CellWeights.EdgesFrom(0), generator);
        edges_from_1 = new MixedOps(active, CellWeights.EdgesFrom(1), generator);
        edges_from_2 = new MixedOps(active, CellWeights.EdgesFrom(2), generator);
        RegisterComponents();
    }

    /// <param name="weights">the stage's op weights laid out for <see cref="MixedOps"/> (edge weights folded in).</param>
    /// <param name="arch">the forward's architecture weights (a GDAS draw's sampled operations, the edge weights, the auxiliary coefficient); null: the plain mixture.</param>
    /// <param name="ops">the op weights <paramref name="weights"/> was laid out from [6, 5] (a GDAS draw computes one op per edge from them).</param>
    public Tensor forward(Tensor x, CellWeights weights, ArchWeights? arch = null, Tensor? ops = null)
    {
        using var scope = NewDisposeScope();
        // unbind, not select: its backward stacks the k gradients in one pass instead of
        // zero-filling a full [B,k,C,H,W] tensor per slot
        var from0 = Edges(edges_from_0, x, weights, arch, ops, 0).unbind(1);     // into nodes 1, 2, 3
        var node1 = from0[CellWeights.Slot(0, 1)];
        var from1 = Edges(edges_from_1, node1, weights, arch, ops, 1).unbind(1); // into nodes 2, 3
        var node2 = from0[CellWeights.Slot(0, 2)].add(from1[CellWeights.Slot(1, 2)], Scalars.One);
        var from2 = Edges(edges_from_2, node2, weights, arch, ops, 2).unbind(1); // into node 3
        var node3 = from0[CellWeights.Slot(0, 3)].add(from1[CellWeights.Slot(1, 3)], Scalars.One);
        node3.add_(from2[CellWeights.Slot(2, 3)], Scalars.One);
        return node3.MoveToOuterDisposeScope();
    }

    /// <summary>The k edges leaving <paramref name="source"/> as [B, k, C, H, W].</summary>
    private Tensor Edges(MixedOps edges, Tensor x, CellWeights weights, ArchWeights? arch, Tensor? ops, int source)
    {
        Tensor Mixed(Tensor input) => arch?.Sampled is { } sampled
            ? edges.forward_sampled(input, ops!, sampled, source)
            : edges.forward(input, weights, source);

        Tensor result;
        if (partialChannels <= 1) result = Mixed(x);
        else
        {
            var (active, bypass) = PartialChannels.Split(x, partialChannels);
            // with edge normalisation the bypassed channels carry their edge's weight too (node = Σ_e β_e·edge_e)
            var bypassWeights = arch?.Edges?.index_select(0, Rows(source, x.device));
            result = PartialChannels.Combine(Mixed(active), bypass, partialChannels, bypassWeights);
        }
        return arch is { AuxiliarySkip: > 0 } ? AuxiliarySkip.Add(result, x, arch.AuxiliarySkip) : result;
    }

    private static Tensor Rows(int source, Device device) => tensor([.. CellWeights.RowsFrom(source)], device: device);
}
