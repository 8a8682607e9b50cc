using SingleDarts.Abstractions;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Grains;

/// <summary>
/// A seed record's metric values, compactly and exactly: a whole number as a varint, a number of at most
/// four decimals (the NB201 table's accuracies) as a varint of ×10⁴ — division by 10⁴ is correctly rounded,
/// so it reads back to the very double the table's text parsed to — else the double's 8 bytes.
/// </summary>
internal static class MetricValues
{
    private const int Whole = 0, Decimal4 = 1, Raw = 2;

    public static void Write(BinaryWriter w, IEnumerable<(int Key, double Value)> values)
    {
        var list = values.ToList();
        w.Write7BitEncodedInt(list.Count);
        foreach (var (key, v) in list)
        {
            if (v >= 0 && v < 1L << 40 && Math.Floor(v) == v)
            {
                w.Write7BitEncodedInt(key * 4 + Whole);
                w.Write7BitEncodedInt64((long)v);
            }
            else if (v >= 0 && v < 1e9 && Math.Round(v * 1e4) / 1e4 == v)
            {
                w.Write7BitEncodedInt(key * 4 + Decimal4);
                w.Write7BitEncodedInt64((long)Math.Round(v * 1e4));
            }
            else
            {
                w.Write7BitEncodedInt(key * 4 + Raw);
                w.Write(v);
            }
        }
    }

    public static Dictionary<string, double> Read(BinaryReader r, string[] keys)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var n = r.Read7BitEncodedInt();
        for (var i = 0; i < n; i++)
        {
            var tag = r.Read7BitEncodedInt();
            metrics[keys[tag / 4]] = (tag % 4) switch
            {
                Whole => r.Read7BitEncodedInt64(),
                Decimal4 => r.Read7BitEncodedInt64() / 1e4,
                Raw => r.ReadDouble(),
                var kind => throw new InvalidDataException($"unknown metric value encoding {kind}"),
            };
        }
        return metrics;
    }
}

/// <summary>A record's genotype: its space's slots, a byte each, or its text when it is not a genotype of the space.</summary>
internal static class SlotCodec
{
    private const byte NoArch = 0, SlotsArch = 1, TextArch = 2;

    public static void Write(BinaryWriter w, SweepSeed seed, string arch, ISearchSpace space)
    {
        if (seed.Packed?.Arch != arch) seed.Packed = (arch, SlotsOf(arch, space));
        var slots = seed.Packed.Value.Slots;
        if (arch.Length == 0) w.Write(NoArch);
        else if (slots is not null)
        {
            w.Write(SlotsArch);
            w.Write(slots);
        }
        else
        {
            w.Write(TextArch);
            w.Write(arch);
        }
    }

    /// <summary>The arch as its space's slots, a byte each; null when it is not a genotype of the space (then it is stored as text).</summary>
    private static byte[]? SlotsOf(string arch, ISearchSpace space)
    {
        if (arch.Length == 0) return null;
        try
        {
            var slots = space.Parse(arch).Slots;
            return slots.All(s => s is >= 0 and <= byte.MaxValue) ? [.. slots.Select(s => (byte)s)] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static ISpaceGenotype? Read(BinaryReader r, ISearchSpace space, out string arch)
    {
        switch (r.ReadByte())
        {
            case NoArch:
                arch = "";
                return null;
            case SlotsArch:
                var genotype = space.FromSlots([.. Enumerable.Range(0, space.SlotCount).Select(_ => (int)r.ReadByte())]);
                arch = genotype.Text;
                return genotype;
            case TextArch:
                arch = r.ReadString();
                return null;
            case var kind:
                throw new InvalidDataException($"unknown cell encoding {kind}");
        }
    }
}
