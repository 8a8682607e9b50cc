using System.Text;
using SingleDarts.Abstractions;

namespace SingleDarts.Grains;

/// <summary>
/// The per-method, per-epoch curves of a sweep, kept incrementally: each epoch of each seed is
/// folded in once, as it arrives, into running statistics (Welford's count, mean and sum of
/// squared deviations, plus min and max) of held-out and training accuracy and of every declared
/// metric the epoch carries. Memory and the packed size are O(methods × epochs × metrics), whatever the seeds.
/// </summary>
internal sealed class EpochCurves
{
    private const byte Format = 2;
    private const string Valid = "\0valid", Train = "\0train";     // not metric keys (those start with a letter)
    private readonly Dictionary<string, List<Dictionary<string, Running>>> byMethod;

    public EpochCurves(IEnumerable<string> methods) => byMethod = methods.ToDictionary(m => m, _ => new List<Dictionary<string, Running>>());

    /// <summary>Folds one epoch of a seed of <paramref name="method"/> in.</summary>
    public void Add(string method, EpochSummary e)
    {
        var epochs = byMethod[method];
        while (epochs.Count < e.Epoch) epochs.Add(new Dictionary<string, Running>(StringComparer.Ordinal));
        var at = epochs[e.Epoch - 1];
        if (e.ValidAcc is { } valid) Fold(at, Valid, valid);
        Fold(at, Train, e.TrainAcc);
        foreach (var (key, value) in e.Metrics)
            if (double.IsFinite(value)) Fold(at, key, value);
    }

    private static void Fold(Dictionary<string, Running> at, string key, double value)
    {
        var running = at.GetValueOrDefault(key);
        running.Add(value);
        at[key] = running;
    }

    /// <summary>The curve of <paramref name="method"/>: one point per epoch some seed reached.</summary>
    public EpochAggregate[] Curve(string method) =>
        [.. byMethod[method].Select((at, i) => new EpochAggregate
        {
            Epoch = i + 1,
            ValidAcc = at.GetValueOrDefault(Valid).Stat(),
            TrainAcc = at.GetValueOrDefault(Train).Stat() ?? new Stat(),
            Metrics = at.Where(kv => kv.Key[0] != '\0' && kv.Value.Stat() is not null).ToDictionary(kv => kv.Key, kv => kv.Value.Stat()!),
        }).Where(p => p.TrainAcc.N > 0)];

    public byte[] Pack()
    {
        var keys = byMethod.Values.SelectMany(epochs => epochs.SelectMany(at => at.Keys)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var index = keys.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => x.i, StringComparer.Ordinal);
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        w.Write(Format);
        w.Write7BitEncodedInt(keys.Count);
        foreach (var k in keys) w.Write(k);
        w.Write7BitEncodedInt(byMethod.Count);
        foreach (var (method, epochs) in byMethod)
        {
            w.Write(method);
            w.Write7BitEncodedInt(epochs.Count);
            foreach (var at in epochs)
            {
                w.Write7BitEncodedInt(at.Count);
                foreach (var (key, running) in at.OrderBy(kv => index[kv.Key]))
                {
                    w.Write7BitEncodedInt(index[key]);
                    running.Write(w);
                }
            }
        }
        w.Flush();
        return stream.ToArray();
    }

    public static EpochCurves Unpack(byte[] bytes, IEnumerable<string> methods)
    {
        var curves = new EpochCurves(methods);
        if (bytes.Length == 0) return curves;
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        switch (r.ReadByte())
        {
            case 1:
                throw new InvalidDataException("the curves were recorded by an earlier SingleDarts (format 1): continue the sweep with the version that started it");
            case Format:
                break;
            default:
                throw new InvalidDataException("unknown curve format");
        }
        var keys = Enumerable.Range(0, r.Read7BitEncodedInt()).Select(_ => r.ReadString()).ToArray();
        var count = r.Read7BitEncodedInt();
        for (var i = 0; i < count; i++)
        {
            var epochs = curves.byMethod[r.ReadString()];
            var n = r.Read7BitEncodedInt();
            for (var e = 0; e < n; e++)
            {
                var at = new Dictionary<string, Running>(StringComparer.Ordinal);
                var entries = r.Read7BitEncodedInt();
                for (var k = 0; k < entries; k++)
                {
                    var key = keys[r.Read7BitEncodedInt()];
                    at[key] = Running.Read(r);
                }
                epochs.Add(at);
            }
        }
        return curves;
    }

    /// <summary>Welford's running statistics.</summary>
    private struct Running
    {
        private int n;
        private double mean, m2, min, max;

        public void Add(double x)
        {
            n++;
            var delta = x - mean;
            mean += delta / n;
            m2 += delta * (x - mean);
            min = n == 1 ? x : Math.Min(min, x);
            max = n == 1 ? x : Math.Max(max, x);
        }

        /// <summary>Mean, sample standard deviation (n − 1; 0 for one value), min, max; null without values.</summary>
        public readonly Stat? Stat() => n == 0 ? null
            : new Stat { N = n, Mean = mean, Std = n > 1 ? Math.Sqrt(Math.Max(m2, 0) / (n - 1)) : 0, Min = min, Max = max };

        public readonly void Write(BinaryWriter w)
        {
            w.Write7BitEncodedInt(n);
            if (n == 0) return;
            w.Write(mean);
            w.Write(m2);
            w.Write(min);
            w.Write(max);
        }

        public static Running Read(BinaryReader r)
        {
            var running = new Running { n = r.Read7BitEncodedInt() };
            if (running.n == 0) return running;
            running.mean = r.ReadDouble();
            running.m2 = r.ReadDouble();
            running.min = r.ReadDouble();
            running.max = r.ReadDouble();
            return running;
        }
    }
}
