using System.Text;
using SingleDarts.Search.IO;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>
/// A discrete NAS-Bench-201 cell: one operation per edge, in <see cref="Edge.All"/> order.
/// Its canonical text is the benchmark's arch string <c>|op~0|+|op~0|op~1|+|op~0|op~1|op~2|</c>.
/// </summary>
public sealed record Genotype : ISpaceGenotype
{
    private readonly int[] _ops;

    public Genotype(IReadOnlyList<int> ops)
    {
        if (ops.Count != Edge.Count)
            throw new ArgumentException($"a cell has {Edge.Count} edges, got {ops.Count} operations");
        foreach (var op in ops)
            if (op < 0 || op >= Primitives.Count)
                throw new ArgumentException($"operation index {op} is outside 0..{Primitives.Count - 1}");
        _ops = ops.ToArray();
    }

    /// <summary>Operation indices per edge (see <see cref="Primitives"/>).</summary>
    public IReadOnlyList<int> Ops => _ops;

    /// <summary>Number of edges whose operation has no weights (none, skip_connect, avg_pool_3x3).</summary>
    public int ParameterFreeEdges => _ops.Count(Primitives.IsParameterFree);

    public int SkipConnects => _ops.Count(op => op == Primitives.SkipConnect);

    public string Text => ToString();

    public IReadOnlyList<int> Slots => _ops;

    /// <summary>Share of the cell's edges that chose each operation, in <see cref="Primitives.Names"/> order.</summary>
    public double[] OpShares()
    {
        var shares = new double[Primitives.Count];
        foreach (var op in _ops) shares[op] += 1.0 / Edge.Count;
        return shares;
    }

    /// <summary>Argmax per row of a 6×5 matrix of architecture weights (first maximum wins on ties).</summary>
    public static Genotype FromAlphas(float[,] alphas)
    {
        if (alphas.GetLength(0) != Edge.Count || alphas.GetLength(1) != Primitives.Count)
            throw new ArgumentException($"alphas must be {Edge.Count}x{Primitives.Count}");
        var ops = new int[Edge.Count];
        for (var e = 0; e < Edge.Count; e++)
        {
            var best = 0;
            for (var k = 1; k < Primitives.Count; k++)
                if (alphas[e, k] > alphas[e, best]) best = k;
            ops[e] = best;
        }
        return new Genotype(ops);
    }

    /// <summary>Number of edges on which two cells differ.</summary>
    public int HammingDistance(Genotype other)
    {
        var d = 0;
        for (var e = 0; e < Edge.Count; e++)
            if (_ops[e] != other._ops[e]) d++;
        return d;
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        var e = 0;
        for (var to = 1; to < Edge.NodeCount; to++)
        {
            if (to > 1) sb.Append('+');
            sb.Append('|');
            for (var from = 0; from < to; from++, e++)
                sb.Append(Primitives.Names[_ops[e]]).Append('~').Append(from).Append('|');
        }
        return sb.ToString();
    }

    /// <summary>Strict parse of a canonical arch string; throws <see cref="FormatException"/> naming the problem.</summary>
    public static Genotype Parse(string arch)
    {
        ArgumentNullException.ThrowIfNull(arch);
        var nodes = arch.Split('+');
        if (nodes.Length != Edge.NodeCount - 1)
            throw new FormatException($"expected {Edge.NodeCount - 1} node groups separated by '+', found {nodes.Length}, in arch {InputLimits.Quote(arch)}");
        var ops = new List<int>(Edge.Count);
        for (var n = 0; n < nodes.Length; n++)
        {
            var group = nodes[n];
            var to = n + 1;
            if (group.Length < 2 || group[0] != '|' || group[^1] != '|')
                throw new FormatException($"node {to} group {InputLimits.Quote(group)} must start and end with '|', in arch {InputLimits.Quote(arch)}");
            var inputs = group[1..^1].Split('|');
            if (inputs.Length != to)
                throw new FormatException($"node {to} must have {to} inputs, found {inputs.Length}, in arch {InputLimits.Quote(arch)}");
            for (var from = 0; from < to; from++)
            {
                var token = inputs[from];
                var tilde = token.LastIndexOf('~');
                if (tilde <= 0)
                    throw new FormatException($"{InputLimits.Quote(token)} is not of the form op~input, in arch {InputLimits.Quote(arch)}");
                var name = token[..tilde];
                var op = Primitives.IndexOf(name);
                if (op < 0)
                    throw new FormatException($"unknown operation {InputLimits.Quote(name)}, in arch {InputLimits.Quote(arch)} (known: {string.Join(", ", Primitives.Names)})");
                if (token[(tilde + 1)..] != from.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    throw new FormatException($"input {from} of node {to} is written {InputLimits.Quote(token)}, expected '{name}~{from}', in arch {InputLimits.Quote(arch)}");
                ops.Add(op);
            }
        }
        return new Genotype(ops);
    }

    public static bool TryParse(string arch, out Genotype? genotype, out string? error)
    {
        try
        {
            genotype = Parse(arch);
            error = null;
            return true;
        }
        catch (FormatException ex)
        {
            genotype = null;
            error = ex.Message;
            return false;
        }
    }

    public bool Equals(Genotype? other) => other is not null && _ops.AsSpan().SequenceEqual(other._ops);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var op in _ops) h.Add(op);
        return h.ToHashCode();
    }
}
