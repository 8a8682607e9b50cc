namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>Summaries of a cell and its architecture weights that show collapse as it happens.</summary>
public static class CellStats
{
    /// <summary>
    /// Mean over edges of the entropy (nats) of the edge's operation weights, normalised to sum to
    /// one (softmax weights already do; sigmoid weights are renormalised). ln 5 ≈ 1.609 is uniform,
    /// 0 one operation holding all the weight.
    /// </summary>
    public static double MeanEntropy(IReadOnlyList<IReadOnlyList<float>> weights)
    {
        if (weights.Count == 0) return double.NaN;
        var sum = 0.0;
        foreach (var row in weights)
        {
            var total = row.Sum(w => (double)w);
            var h = 0.0;
            foreach (var w in row)
            {
                var p = w / total;
                if (p > 0) h -= p * Math.Log(p);
            }
            sum += h;
        }
        return sum / weights.Count;
    }

    /// <summary>Share of the cell's edges that chose each operation, in <see cref="Primitives.Names"/> order.</summary>
    public static double[] OpShares(Genotype genotype)
    {
        var shares = new double[Primitives.Count];
        foreach (var op in genotype.Ops) shares[op] += 1.0 / Edge.Count;
        return shares;
    }
}
