using System.Globalization;
using System.Text;

namespace SingleDarts.Search.Spaces.Darts;

/// <summary>One chosen edge of a DARTS genotype: operation <see cref="Op"/> on state <see cref="From"/>.</summary>
public readonly record struct DartsGene(int Op, int From)
{
    public override string ToString() => $"('{DartsPrimitives.Names[Op]}', {From})";
}

/// <summary>
/// A discrete DARTS architecture: for each of the four nodes of the normal and of the reduction cell,
/// two incoming edges (state, operation), in node order; each cell's output concatenates nodes 2–5.
/// Its text is the DARTS code's: <c>Genotype(normal=[('sep_conv_3x3', 0), …], normal_concat=[2, 3, 4, 5], reduce=[…], reduce_concat=[2, 3, 4, 5])</c>.
/// </summary>
public sealed partial record DartsGenotype : ISpaceGenotype
{
    /// <summary>Edges kept per node.</summary>
    public const int EdgesPerNode = 2;

    /// <summary>Genes per cell.</summary>
    public const int GenesPerCell = DartsEdge.Steps * EdgesPerNode;

    /// <summary>The states a cell's output concatenates.</summary>
    public static readonly IReadOnlyList<int> Concat = [2, 3, 4, 5];

    private readonly DartsGene[] normal, reduce;

    public DartsGenotype(IReadOnlyList<DartsGene> normal, IReadOnlyList<DartsGene> reduce)
    {
        Check(normal, "normal");
        Check(reduce, "reduce");
        this.normal = [.. normal];
        this.reduce = [.. reduce];
    }

    public IReadOnlyList<DartsGene> Normal => normal;
    public IReadOnlyList<DartsGene> Reduce => reduce;

    /// <summary>skip_connect edges of the normal cell (of 8): the literature's collapse signal.</summary>
    public int SkipConnects => normal.Count(g => g.Op == DartsPrimitives.SkipConnect);

    /// <summary>Parameter-free edges of the normal cell (skip_connect, max_pool_3x3, avg_pool_3x3; of 8).</summary>
    public int ParameterFreeEdges => normal.Count(g => DartsPrimitives.IsParameterFree(g.Op));

    public string Text => ToString();

    /// <summary>Each kept edge of the normal, then the reduction cell, as operation·8 + input state.</summary>
    public IReadOnlyList<int> Slots => [.. normal.Concat(reduce).Select(g => g.Op * DartsPrimitives.Count + g.From)];

    /// <summary>The genotype of <see cref="Slots"/>.</summary>
    public static DartsGenotype FromSlots(IReadOnlyList<int> slots)
    {
        if (slots.Count != 2 * GenesPerCell) throw new ArgumentException($"a DARTS genotype has {2 * GenesPerCell} slots, got {slots.Count}");
        var genes = slots.Select(s => new DartsGene(s / DartsPrimitives.Count, s % DartsPrimitives.Count)).ToArray();
        return new DartsGenotype(genes[..GenesPerCell], genes[GenesPerCell..]);
    }

    /// <summary>Share of the normal cell's 8 kept edges per operation.</summary>
    public double[] OpShares()
    {
        var shares = new double[DartsPrimitives.Count];
        foreach (var g in normal) shares[g.Op] += 1.0 / GenesPerCell;
        return shares;
    }

    /// <summary>
    /// The DARTS derivation from relaxed weights (28 rows of 8: the normal cell's 14 edges, then the
    /// reduction cell's): for each node, the two incoming edges whose strongest operation other than
    /// none weighs most, each with that operation. Ties: the earlier edge, the earlier operation (as
    /// the DARTS code's stable sort and strict comparison).
    /// </summary>
    public static DartsGenotype FromWeights(float[,] weights)
    {
        if (weights.GetLength(0) != 2 * DartsEdge.Count || weights.GetLength(1) != DartsPrimitives.Count)
            throw new ArgumentException($"weights must be {2 * DartsEdge.Count}x{DartsPrimitives.Count} (normal rows, then reduce rows)");
        return new DartsGenotype(Derive(weights, 0), Derive(weights, DartsEdge.Count));
    }

    private static List<DartsGene> Derive(float[,] w, int offset)
    {
        var genes = new List<DartsGene>(GenesPerCell);
        for (var node = 0; node < DartsEdge.Steps; node++)
        {
            var first = offset + DartsEdge.FirstRow(node);
            var inputs = node + 2;
            var best = new int[inputs];
            for (var j = 0; j < inputs; j++)
            {
                var k = -1;
                for (var op = 0; op < DartsPrimitives.Count; op++)
                    if (op != DartsPrimitives.None && (k < 0 || w[first + j, op] > w[first + j, k])) k = op;
                best[j] = k;
            }
            var chosen = Enumerable.Range(0, inputs).OrderByDescending(j => w[first + j, best[j]]).Take(EdgesPerNode);
            genes.AddRange(chosen.Select(j => new DartsGene(best[j], j)));
        }
        return genes;
    }

    /// <summary>Number of genes (over both cells) on which two genotypes differ.</summary>
    public int HammingDistance(DartsGenotype other)
    {
        var d = 0;
        for (var i = 0; i < GenesPerCell; i++)
        {
            if (normal[i] != other.normal[i]) d++;
            if (reduce[i] != other.reduce[i]) d++;
        }
        return d;
    }

    public override string ToString()
    {
        var concat = $"[{string.Join(", ", Concat)}]";
        return $"Genotype(normal=[{string.Join(", ", normal)}], normal_concat={concat}, reduce=[{string.Join(", ", reduce)}], reduce_concat={concat})";
    }

    /// <summary>
    /// Strict parse of the DARTS text (quotes ' or ", any spacing, a concat as a list or as
    /// <c>range(2, 6)</c>); throws <see cref="FormatException"/> naming the problem and where.
    /// </summary>
    public static DartsGenotype Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = new Scanner(text);
        s.Word("Genotype");
        s.Expect('(');
        var normal = Cell(s, "normal");
        s.Expect(',');
        var reduce = Cell(s, "reduce");
        s.Expect(')');
        s.End();
        return new DartsGenotype(normal, reduce);
    }

    private static List<DartsGene> Cell(Scanner s, string name)
    {
        s.Word(name);
        s.Expect('=');
        s.Expect('[');
        var genes = new List<DartsGene>();
        while (!s.Peek(']'))
        {
            if (genes.Count > 0) s.Expect(',');
            if (s.Peek(']')) break;     // a trailing comma
            var at = s.Position;
            s.Expect('(');
            var opName = s.Quoted();
            s.Expect(',');
            var from = s.Integer();
            s.Expect(')');
            var op = DartsPrimitives.IndexOf(opName);
            if (op < 0 || op == DartsPrimitives.None)
                throw s.Error(at, $"'{opName}' is not an operation of a {name} cell (known: {string.Join(", ", DartsPrimitives.Names.Skip(1))})");
            var node = genes.Count / EdgesPerNode;
            if (node >= DartsEdge.Steps)
                throw s.Error(at, $"the {name} cell has {GenesPerCell} edges (2 per node, 4 nodes); this is edge {genes.Count + 1}");
            if (from < 0 || from >= node + 2)
                throw s.Error(at, $"edge {genes.Count + 1} of the {name} cell goes into node {node + 2}, which can take states 0..{node + 1}, not {from}");
            genes.Add(new DartsGene(op, from));
        }
        s.Expect(']');
        if (genes.Count != GenesPerCell)
            throw s.Error(s.Position, $"the {name} cell has {genes.Count} edges; it needs {GenesPerCell} (2 per node, 4 nodes)");
        s.Expect(',');
        s.Word(name + "_concat");
        s.Expect('=');
        var concatAt = s.Position;
        var concat = s.IntegerList();
        if (!concat.SequenceEqual(Concat))
            throw s.Error(concatAt, $"{name}_concat must be [2, 3, 4, 5] (the cell's four nodes), not [{string.Join(", ", concat)}]");
        return genes;
    }

    private static void Check(IReadOnlyList<DartsGene> genes, string cell)
    {
        if (genes.Count != GenesPerCell) throw new ArgumentException($"the {cell} cell needs {GenesPerCell} genes, got {genes.Count}");
        for (var i = 0; i < genes.Count; i++)
        {
            var (op, from) = genes[i];
            if (op <= DartsPrimitives.None || op >= DartsPrimitives.Count) throw new ArgumentException($"gene {i} of the {cell} cell: operation index {op} is outside 1..{DartsPrimitives.Count - 1}");
            if (from < 0 || from >= i / EdgesPerNode + 2) throw new ArgumentException($"gene {i} of the {cell} cell: state {from} is not an input of node {i / EdgesPerNode + 2}");
        }
    }

    public bool Equals(DartsGenotype? other) => other is not null && normal.AsSpan().SequenceEqual(other.normal) && reduce.AsSpan().SequenceEqual(other.reduce);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var g in normal) h.Add(g);
        foreach (var g in reduce) h.Add(g);
        return h.ToHashCode();
    }

    /// <summary>A small scanner over the genotype text, with errors that quote where they are.</summary>
}
