using System.Globalization;
using System.Text.Json.Nodes;

namespace SingleDarts.Search.Options;

/// <summary>
/// libtorch's intra-op thread count of a run: bounded, because each is an OS thread spinning on the cores (64 on 2 cores made a
/// 0.2 s epoch take 43 s; 100,000 start for minutes before the first step), and part of a run's identity (same seed, options and
/// thread count: the same α), so the bound is the same on every machine.
/// </summary>
public static class ThreadCount
{
    /// <summary>The most threads a run may ask for.</summary>
    public const int Max = 256;

    /// <summary>A run's threads when nothing says otherwise: the machine's cores (at most <see cref="Max"/>).</summary>
    public static int Default => Math.Min(Environment.ProcessorCount, Max);

    /// <summary>The problem with a thread count, naming <paramref name="option"/>; null when it is in 1..<see cref="Max"/>.</summary>
    public static string? Problem(int threads, string option = "--threads") => threads is >= 1 and <= Max ? null
        : string.Create(CultureInfo.InvariantCulture, $"{option} must be in 1..{Max} (libtorch threads; this machine has {Environment.ProcessorCount} cores), got {threads}");

    /// <summary>
    /// A warning when <paramref name="runs"/> runs of <paramref name="threads"/> threads each need more threads than the
    /// machine has cores (slower, never different); null when they fit.
    /// </summary>
    public static string? Oversubscription(int threads, int runs = 1, int? cores = null)
    {
        var available = cores ?? Environment.ProcessorCount;
        var total = (long)threads * runs;
        if (total <= available) return null;
        return runs == 1
            ? string.Create(CultureInfo.InvariantCulture, $"--threads {threads} is more than this machine's {available} cores: the run is slower (the threads contend), its results the same")
            : string.Create(CultureInfo.InvariantCulture, $"{runs} slots × {threads} threads is more than this machine's {available} cores: the runs are slower (the threads contend), their results the same");
    }

    /// <summary>A worker's threads per run when the run does not say: its cores shared among its <paramref name="slots"/>, at least 1.</summary>
    public static int PerSlot(int slots, int? cores = null) => Math.Max(1, (cores ?? Environment.ProcessorCount) / Math.Max(1, slots));

    /// <summary>The key of the thread count in options JSON (a sweep spec's search section, a seed's options).</summary>
    public const string Key = "threads";

    /// <summary>Whether options JSON sets the thread count (else a sweep's worker gives the seed its share of its cores).</summary>
    public static bool IsSet(string optionsJson) => JsonNode.Parse(optionsJson) is JsonObject o && o.ContainsKey(Key);

    /// <summary>Options JSON without the thread count: the worker that runs the seed decides it.</summary>
    public static string Unset(string optionsJson)
    {
        var node = JsonNode.Parse(optionsJson)!.AsObject();
        node.Remove(Key);
        return node.ToJsonString();
    }
}
