namespace SingleDarts.Grains;

/// <summary>
/// What a silo offers as a worker (configuration section <c>SingleDarts:Worker</c>). Published as
/// silo metadata so that placement and coordinators anywhere in the cluster can see it.
/// </summary>
public sealed class WorkerOptions
{
    public const string Section = "SingleDarts:Worker";

    /// <summary>Runs seeds. A gateway/coordinator-only silo sets this to false.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>cpu or cuda: what the seeds on this silo train on.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Seeds run at once; 0 means the default: one per GPU with cuda, one on cpu.</summary>
    public int Slots { get; set; }

    /// <summary>Where seed run folders go: RunsRoot/&lt;sweep&gt;/&lt;method&gt;-seed&lt;seed&gt;.</summary>
    public string RunsRoot { get; set; } = Path.Combine("runs", "sweeps");

    /// <summary>Decoded-dataset cache (default: $SINGLEDARTS_CACHE, else ~/.cache/singledarts).</summary>
    public string? CacheDir { get; set; }

    public int EffectiveSlots => Slots > 0 ? Slots : Device == "cuda" ? Math.Max(1, GpuCount()) : 1;

    private static int GpuCount()
    {
        try
        {
            return TorchSharp.torch.cuda.is_available() ? TorchSharp.torch.cuda.device_count() : 1;
        }
        catch (Exception)
        {
            return 1;
        }
    }
}

/// <summary>The silo metadata keys a worker publishes.</summary>
public static class WorkerMetadata
{
    public const string Worker = "singledarts.worker";
    public const string Device = "singledarts.device";
    public const string Slots = "singledarts.slots";

    public static Dictionary<string, string> For(WorkerOptions o) => new()
    {
        [Worker] = o.Enabled ? "true" : "false",
        [Device] = o.Device,
        [Slots] = o.EffectiveSlots.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static bool IsWorker(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue(Worker, out var w) && w == "true";

    public static int SlotsOf(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue(Slots, out var s) && int.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;
}
