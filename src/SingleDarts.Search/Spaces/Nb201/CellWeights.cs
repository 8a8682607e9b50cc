using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>
/// The relaxed operation weights of one stage, laid out for <see cref="MixedOps"/>: for each source
/// node, the weights of the edges leaving it (skip and pool as [1,k,1,1,1], the conv weights
/// expanded per channel so that they fold into BatchNorm's affine scale).
/// Computed once per forward and stage rather than once per cell.
/// </summary>
public sealed class CellWeights : IDisposable
{
    private static readonly long[][] RowsBySource = Enumerable.Range(0, Edge.NodeCount - 1)
        .Select(src => Enumerable.Range(0, Edge.Count).Where(e => Edge.All[e].From == src).Select(e => (long)e).ToArray())
        .ToArray();

    public Tensor[] Skip { get; }
    public Tensor[] Pool { get; }
    public Tensor[] Conv1x1 { get; }
    public Tensor[] Conv3x3 { get; }

    /// <param name="opWeights">6×5 relaxed weights (softmax or sigmoid of α).</param>
    /// <param name="channels">channels of the stage's cells.</param>
    public CellWeights(Tensor opWeights, long channels)
    {
        var n = RowsBySource.Length;
        Skip = new Tensor[n];
        Pool = new Tensor[n];
        Conv1x1 = new Tensor[n];
        Conv3x3 = new Tensor[n];
        for (var src = 0; src < n; src++)
        {
            var k = RowsBySource[src].Length;
            using var idx = tensor(RowsBySource[src], device: opWeights.device);
            using var w = opWeights.index_select(0, idx);
            Skip[src] = w.select(1, Primitives.SkipConnect).view(1, k, 1, 1, 1);
            Pool[src] = w.select(1, Primitives.AvgPool3x3).view(1, k, 1, 1, 1);
            Conv1x1[src] = w.select(1, Primitives.Conv1x1).repeat_interleave(channels);
            Conv3x3[src] = w.select(1, Primitives.Conv3x3).repeat_interleave(channels);
        }
    }

    /// <summary>The α rows of the edges leaving node <paramref name="source"/>, in slot order.</summary>
    public static IReadOnlyList<long> RowsFrom(int source) => RowsBySource[source];

    /// <summary>Number of edges leaving node <paramref name="source"/> (3, 2, 1).</summary>
    public static int EdgesFrom(int source) => RowsBySource[source].Length;

    /// <summary>Position among the edges leaving <paramref name="source"/> of the edge into <paramref name="target"/>.</summary>
    public static int Slot(int source, int target) => target - source - 1;

    public void Dispose()
    {
        foreach (var t in Skip.Concat(Pool).Concat(Conv1x1).Concat(Conv3x3)) t.Dispose();
    }
}
