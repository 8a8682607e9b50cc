using System.Text;
using SingleDarts.Abstractions;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Grains;

/// <summary>A coordinator's view of one seed: its latest status as the seed reported it.</summary>
internal sealed class SweepSeed(SeedStatus status)
{
    public SeedStatus Status { get; set; } = status;

    /// <summary>The seed grain has been started (before that the seed waits here, Queued).</summary>
    public bool Dispatched { get; set; }

    /// <summary>
    /// Epochs of this seed folded into the curves. Each epoch is folded once: a run resumed from a
    /// checkpoint, or started again from epoch 1, repeats earlier epochs bit for bit.
    /// </summary>
    public int Counted { get; set; }

    /// <summary>Restored from the packed record: only what the record holds until the seed is asked again.</summary>
    public bool Partial { get; set; }

    /// <summary>The last arch packed and its slots (null: not a genotype of the space), so a write parses each arch once.</summary>
    public (string Arch, byte[]? Slots)? Packed { get; set; }
}

/// <summary>
/// The packed form of a coordinator's seeds (format 2): a version byte, the distinct silos, failure reasons
/// and metric keys, then per seed in spec order a flag byte (state, dispatched, has a last epoch), the
/// folded epoch count, silo and reason as table indices, and — what the final aggregates need — held-out
/// accuracy (an evaluation's: test accuracy), the last epoch's declared metrics (<see cref="MetricValues"/>;
/// those the space recomputes from the genotype, its cell counts, are left out) and the genotype as its
/// space's slots (NB201: 6 operation indices; DARTS: 16 edges as operation·8 + input), a byte each.
/// Everything else a seed knows (losses, α, warnings) it tells again when asked. Format 1 (earlier
/// versions, whose checkpoints this version cannot resume either) is refused with a message saying so.
/// </summary>
internal static class SweepSeeds
{
    private const byte Format = 2;
    private const byte Dispatched = 1 << 3, HasLast = 1 << 4;

    /// <summary>Every seed's search in spec order, then (with an evaluate section) every seed's evaluation in the same order.</summary>
    public static List<SweepSeed> Create(string sweepId, SweepSpec spec, int epochs, ISearchSpace space, int? evaluationEpochs = null)
    {
        var list = new List<SweepSeed>(spec.Pairs().Select(p => new SweepSeed(
            new SeedStatus { SweepId = sweepId, Method = p.Method, Seed = p.Seed, State = SeedState.Queued, Epochs = epochs, Space = space.Name })));
        if (evaluationEpochs is { } e)
            list.AddRange(spec.Pairs().Select(p => new SweepSeed(new SeedStatus
            {
                SweepId = sweepId, Method = p.Method, Seed = p.Seed, State = SeedState.Queued, Epochs = e, Space = space.Name,
                Stage = SeedStages.Evaluate, Reason = WaitingForSearch,
            })));
        return list;
    }

    /// <summary>Why a queued evaluation has not started.</summary>
    public const string WaitingForSearch = "waiting for its search to complete";

    public static byte[] Pack(IReadOnlyList<SweepSeed> seeds, ISearchSpace space)
    {
        var silos = Table(seeds.Select(s => s.Status.Silo));
        var reasons = Table(seeds.Select(s => s.Status.Reason));
        var derived = space.CellMetrics.Select(m => m.Key).ToHashSet();
        var keys = Table(seeds.SelectMany(s => s.Status.Last?.Metrics.Keys ?? (IEnumerable<string>)[]).Where(k => !derived.Contains(k)).Order(StringComparer.Ordinal));
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        w.Write(Format);
        w.Write7BitEncodedInt(seeds.Count);
        WriteTable(w, silos);
        WriteTable(w, reasons);
        WriteTable(w, keys);
        foreach (var seed in seeds)
        {
            var s = seed.Status;
            var last = s.Last;
            w.Write((byte)((byte)s.State | (seed.Dispatched ? Dispatched : 0) | (last is null ? 0 : HasLast)));
            w.Write7BitEncodedInt(seed.Counted);
            w.Write7BitEncodedInt(s.Silo is null ? 0 : silos[s.Silo] + 1);
            w.Write7BitEncodedInt(s.Reason is null ? 0 : reasons[s.Reason] + 1);
            if (last is null) continue;
            w.Write((s.IsEvaluation ? last.TestAcc : last.ValidAcc) ?? double.NaN);
            MetricValues.Write(w, last.Metrics.Where(kv => !derived.Contains(kv.Key)).Select(kv => (keys[kv.Key], kv.Value)));
            SlotCodec.Write(w, seed, last.Arch, space);
        }
        w.Flush();
        return stream.ToArray();
    }

    /// <summary>The seeds of <paramref name="spec"/> as packed; every status <see cref="SweepSeed.Partial"/>.</summary>
    public static List<SweepSeed> Unpack(byte[] bytes, string sweepId, SweepSpec spec, int epochs, ISearchSpace space, int? evaluationEpochs = null)
    {
        var seeds = Create(sweepId, spec, epochs, space, evaluationEpochs);
        if (bytes.Length == 0) return seeds;
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        var format = r.ReadByte();
        if (format == 1) throw new InvalidDataException($"sweep {sweepId} was recorded by an earlier SingleDarts (seed record format 1): continue it with the version that started it");
        if (format != Format) throw new InvalidDataException($"sweep {sweepId}: unknown seed record format {format}");
        var count = r.Read7BitEncodedInt();
        if (count != seeds.Count) throw new InvalidDataException($"sweep {sweepId}: {count} seed records for {seeds.Count} seeds");
        var silos = ReadTable(r);
        var reasons = ReadTable(r);
        var keys = ReadTable(r);
        foreach (var seed in seeds)
        {
            var flags = r.ReadByte();
            seed.Dispatched = (flags & Dispatched) != 0;
            seed.Counted = r.Read7BitEncodedInt();
            var silo = r.Read7BitEncodedInt();
            var reason = r.Read7BitEncodedInt();
            EpochSummary? last = null;
            if ((flags & HasLast) != 0)
            {
                var valid = r.ReadDouble();
                var metrics = MetricValues.Read(r, keys);
                var genotype = SlotCodec.Read(r, space, out var arch);
                if (genotype is not null) space.MeasureCell(genotype, metrics);
                var evaluation = seed.Status.IsEvaluation;
                last = new EpochSummary
                {
                    Epoch = seed.Counted,
                    ValidAcc = evaluation || double.IsNaN(valid) ? null : valid,
                    TestAcc = !evaluation || double.IsNaN(valid) ? null : valid,
                    Arch = arch,
                    Slots = genotype is null ? [] : [.. genotype.Slots],
                    OpShares = genotype?.OpShares() ?? [],
                    Metrics = metrics,
                    TrainLoss = double.NaN,
                    TrainAcc = double.NaN,
                };
            }
            seed.Status = seed.Status with
            {
                State = (SeedState)(flags & 0b111),
                EpochsDone = seed.Counted,
                Silo = silo == 0 ? null : silos[silo - 1],
                Reason = reason == 0 ? null : reasons[reason - 1],
                Last = last,
            };
            seed.Partial = true;
        }
        return seeds;
    }

    private static Dictionary<string, int> Table(IEnumerable<string?> values)
    {
        var table = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var v in values)
            if (v is not null && !table.ContainsKey(v)) table[v] = table.Count;
        return table;
    }

    private static void WriteTable(BinaryWriter w, Dictionary<string, int> table)
    {
        w.Write7BitEncodedInt(table.Count);
        foreach (var (value, _) in table.OrderBy(kv => kv.Value)) w.Write(value);
    }

    private static string[] ReadTable(BinaryReader r) => [.. Enumerable.Range(0, r.Read7BitEncodedInt()).Select(_ => r.ReadString())];
}
