using System.Text;
using SingleDarts.Abstractions;

namespace SingleDarts.Grains;

/// <summary>
/// The per-method, per-epoch curves of a sweep, kept incrementally: each epoch of each seed is
/// folded in once, as it arrives, into running statistics (Welford's count, mean and sum of
/// squared deviations, plus min and max) of held-out accuracy, training accuracy, param-free share
/// and NB201 accuracy. Memory and the packed size are O(methods × epochs), whatever the seeds.
/// </summary>
internal sealed class EpochCurves
{
    private const byte Format = 1;
    private const int Metrics = 4; // valid acc, train acc, param-free share, NB201 acc
    private readonly Dictionary<string, List<Running[]>> byMethod;

    public EpochCurves(IEnumerable<string> methods) => byMethod = methods.ToDictionary(m => m, _ => new List<Running[]>());

    /// <summary>Folds one epoch of a seed of <paramref name="method"/> in.</summary>
    public void Add(string method, EpochSummary e)
    {
        var epochs = byMethod[method];
        while (epochs.Count < e.Epoch) epochs.Add(new Running[Metrics]);
        var at = epochs[e.Epoch - 1];
        if (e.ValidAcc is { } valid) at[0].Add(valid);
        at[1].Add(e.TrainAcc);
        at[2].Add(e.ParamFreeShare);
        if (e.Nb201Acc is { } nb201) at[3].Add(nb201);
    }

    /// <summary>The curve of <paramref name="method"/>: one point per epoch some seed reached.</summary>
    public EpochAggregate[] Curve(string method) =>
        [.. byMethod[method].Select((at, i) => new EpochAggregate
        {
            Epoch = i + 1,
            ValidAcc = at[0].Stat(),
            TrainAcc = at[1].Stat() ?? new Stat(),
            ParamFreeShare = at[2].Stat() ?? new Stat(),
            Nb201Acc = at[3].Stat(),
        }).Where(p => p.TrainAcc.N > 0)];

    public byte[] Pack()
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        w.Write(Format);
        w.Write7BitEncodedInt(byMethod.Count);
        foreach (var (method, epochs) in byMethod)
        {
            w.Write(method);
            w.Write7BitEncodedInt(epochs.Count);
            foreach (var at in epochs)
                foreach (var m in at) m.Write(w);
        }
        w.Flush();
        return stream.ToArray();
    }

    public static EpochCurves Unpack(byte[] bytes, IEnumerable<string> methods)
    {
        var curves = new EpochCurves(methods);
        if (bytes.Length == 0) return curves;
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        if (r.ReadByte() != Format) throw new InvalidDataException("unknown curve format");
        var count = r.Read7BitEncodedInt();
        for (var i = 0; i < count; i++)
        {
            var epochs = curves.byMethod[r.ReadString()];
            var n = r.Read7BitEncodedInt();
            for (var e = 0; e < n; e++)
                epochs.Add([.. Enumerable.Range(0, Metrics).Select(_ => Running.Read(r))]);
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
