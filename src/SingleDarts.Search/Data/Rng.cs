namespace SingleDarts.Search.Data;

/// <summary>
/// xoshiro256** seeded by SplitMix64: a small, fast generator whose whole state is four integers,
/// so the data order and augmentation of a run can be checkpointed and resumed exactly, and whose
/// output never changes with the .NET version (unlike System.Random's unseeded algorithms).
/// </summary>
public sealed class Rng
{
    private ulong s0, s1, s2, s3;

    public Rng(ulong seed)
    {
        var x = seed;
        s0 = SplitMix64(ref x);
        s1 = SplitMix64(ref x);
        s2 = SplitMix64(ref x);
        s3 = SplitMix64(ref x);
    }

    /// <summary>A generator for one purpose of one seed: streams for different purposes do not overlap in practice.</summary>
    public static Rng For(long seed, string purpose)
    {
        ulong h = 14695981039346656037UL; // FNV-1a over the purpose, mixed with the seed
        foreach (var c in purpose) h = (h ^ c) * 1099511628211UL;
        return new Rng(h ^ (ulong)seed * 0x9E3779B97F4A7C15UL);
    }

    public ulong[] State
    {
        get => [s0, s1, s2, s3];
        set
        {
            if (value is not { Length: 4 } || value.All(v => v == 0)) throw new ArgumentException("an Rng state is four integers, not all zero");
            (s0, s1, s2, s3) = (value[0], value[1], value[2], value[3]);
        }
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(s1 * 5, 7) * 9;
        var t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform integer in [0, n) without modulo bias (Lemire's method).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        var bound = (ulong)n;
        while (true)
        {
            var m = (UInt128)NextUInt64() * bound;
            var low = (ulong)m;
            if (low >= bound || low >= (0UL - bound) % bound) return (int)(m >> 64);
        }
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal by Box–Muller (one value per call, nothing cached, so the state stays four integers).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public bool NextBool() => (NextUInt64() >> 63) != 0;

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(T[] items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix64(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
