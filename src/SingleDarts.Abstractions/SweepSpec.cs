namespace SingleDarts.Abstractions;

/// <summary>
/// A stability sweep: every (method, seed) pair searched with the same options. Validated in full
/// before anything starts (<c>SweepValidation</c> in SingleDarts.Grains).
/// </summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.SweepSpec")]
public sealed record SweepSpec
{
    /// <summary>Human name; the sweep id is derived from it when none is given.</summary>
    [Id(0)] public string Name { get; init; } = "";

    [Id(1)] public string[] Methods { get; init; } = [];

    [Id(2)] public long[] Seeds { get; init; } = [];

    /// <summary>
    /// The search options every seed shares, as the JSON object of a run's config.json
    /// ("options"): snake_case names. Method and seed are set per seed.
    /// </summary>
    [Id(3)] public string SearchJson { get; init; } = "{}";

    /// <summary>
    /// A seed has collapsed when its final cell has at least this many edges of <see cref="CollapseRule"/>'s
    /// kind; 0: the space's default (nb201: 4 of 6 parameter-free; darts: 3 of the normal cell's 8 skip_connect).
    /// </summary>
    [Id(4)] public int CollapseThreshold { get; init; }

    /// <summary>param_free or skip_connect; empty: the space's default.</summary>
    [Id(5)] public string CollapseRule { get; init; } = "";
}

/// <summary>What a seed grain is asked to run.</summary>
[GenerateSerializer, Immutable, Alias("SingleDarts.SeedSpec")]
public sealed record SeedSpec
{
    [Id(0)] public string SweepId { get; init; } = "";
    [Id(1)] public string Method { get; init; } = "";
    [Id(2)] public long Seed { get; init; }

    /// <summary>The complete search options (method and seed included), snake_case JSON.</summary>
    [Id(3)] public string OptionsJson { get; init; } = "{}";
}

/// <summary>The grain keys of a sweep's parts.</summary>
public static class SweepKeys
{
    /// <summary>Sweep ids name folders and grains: letters, digits, '.', '_' and '-'.</summary>
    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') && id[0] != '.';

    public static string Seed(string sweepId, string method, long seed) => $"{sweepId}/{method}/{seed}";
}
