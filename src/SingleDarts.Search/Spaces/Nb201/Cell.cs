using SingleDarts.Search.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>
/// NAS-Bench-201 search cell: 4 nodes, node j = Σ_{i&lt;j} MixedOp_{j←i}(node i), output node 3.
/// The mixed ops are grouped by source node (see <see cref="MixedOps"/>), which fixes the order
/// of evaluation: node 0's edges, node 1 = slot 0 of them, node 1's edges, node 2, node 2's edge.
/// </summary>
public sealed class Cell : nn.Module
{
    private readonly MixedOps edges_from_0, edges_from_1, edges_from_2;

    public Cell(long channels, Generator generator) : base(nameof(Cell))
    {
        edges_from_0 = new MixedOps(channels, CellWeights.EdgesFrom(0), generator);
        edges_from_1 = new MixedOps(channels, CellWeights.EdgesFrom(1), generator);
        edges_from_2 = new MixedOps(channels, CellWeights.EdgesFrom(2), generator);
        RegisterComponents();
    }

    public Tensor forward(Tensor x, CellWeights weights)
    {
        using var scope = NewDisposeScope();
        // unbind, not select: its backward stacks the k gradients in one pass instead of
        // zero-filling a full [B,k,C,H,W] tensor per slot
        var from0 = edges_from_0.forward(x, weights, 0).unbind(1);     // into nodes 1, 2, 3
        var node1 = from0[CellWeights.Slot(0, 1)];
        var from1 = edges_from_1.forward(node1, weights, 1).unbind(1); // into nodes 2, 3
        var node2 = from0[CellWeights.Slot(0, 2)].add(from1[CellWeights.Slot(1, 2)], Scalars.One);
        var from2 = edges_from_2.forward(node2, weights, 2).unbind(1); // into node 3
        var node3 = from0[CellWeights.Slot(0, 3)].add(from1[CellWeights.Slot(1, 3)], Scalars.One);
        node3.add_(from2[CellWeights.Slot(2, 3)], Scalars.One);
        return node3.MoveToOuterDisposeScope();
    }
}
