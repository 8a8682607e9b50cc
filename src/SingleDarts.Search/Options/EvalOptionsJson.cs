using System.Text.Json;
using System.Text.Json.Nodes;

namespace SingleDarts.Search.Options;

/// <summary>
/// The codec of <see cref="EvalOptions"/> as snake_case JSON (an evaluation's config.json "options",
/// a sweep spec's "evaluate" section): strict like <see cref="SearchOptionsJson"/>.
/// </summary>
public static class EvalOptionsJson
{
    public static string ToJson(EvalOptions options) => JsonSerializer.Serialize(options, Json.Line);

    /// <summary>Complete evaluate options from their JSON (an evaluation grain's spec).</summary>
    public static EvalOptions? Parse(string json, List<string> problems) =>
        OptionsJson<EvalOptions>.Object(json, "evaluate", problems) is { } given ? OptionsJson<EvalOptions>.Parse(given, "evaluate", problems) : null;

    /// <summary>
    /// A sweep's evaluate section over the defaults it starts from: the space's protocol, with the
    /// search's data, threads and device (the same dataset: its whole training split, its test split).
    /// </summary>
    public static EvalOptions? ForSweep(string sectionJson, SearchOptions search, List<string> problems)
    {
        if (OptionsJson<EvalOptions>.Object(sectionJson, "evaluate", problems) is not { } given) return null;
        foreach (var key in new[] { "space", "arch", "seed" })
            if (given.Remove(key)) problems.Add($"evaluate.{key}: set per seed by the sweep (its space, its search's final genotype, its seed)");
        var defaults = EvalOptions.For(search.Space) with
        {
            Data = search.Data,
            DataFormat = search.DataFormat,
            ImageSize = search.ImageSize,
            TrainSize = search.IsSynthetic ? search.TrainSize : null,      // synthetic data is made to its size: the same images
            SyntheticClasses = search.SyntheticClasses,
            DataSeed = search.DataSeed,
            Threads = search.Threads,
            Device = search.Device,
        };
        var merged = JsonSerializer.SerializeToNode(defaults, Json.Options)!.AsObject();
        foreach (var (key, value) in given) merged[key] = value?.DeepClone();
        var options = OptionsJson<EvalOptions>.Parse(merged, "evaluate", problems);
        return options is null ? null : options with { CacheDir = search.CacheDir };
    }
}
