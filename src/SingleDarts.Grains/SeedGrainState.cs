using SingleDarts.Abstractions;
using SingleDarts.Search.Measurement;
using SingleDarts.Search.Metrics;
using SingleDarts.Search.Options;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Grains;

[GenerateSerializer, Alias("SingleDarts.SeedGrainState")]
public sealed class SeedGrainState : IWriterStamped
{
    [Id(0)] public SeedSpec? Spec { get; set; }
    [Id(1)] public SeedStatus Status { get; set; } = new();
    [Id(2)] public List<EpochSummary> History { get; set; } = [];

    /// <summary>The W3C id of the span that started the seed (the sweep's), so a resumed run joins the same trace.</summary>
    [Id(3)] public string? TraceParent { get; set; }

    /// <inheritdoc/>
    [Id(4)] public string? Writer { get; set; }

    /// <summary>
    /// The threads the first worker gave a seed whose spec leaves them open (its share of its cores), kept so that a resume on
    /// another worker continues with the count its checkpoints were written with; null while the spec sets them.
    /// </summary>
    [Id(5)] public int? Threads { get; set; }
}

/// <summary>A seed's detail: its history, the names of α's rows (edges) and columns (operations), and the numbers its epochs carry.</summary>
internal static class SeedDetails
{
    public static SeedDetail Of(SeedStatus status, IEnumerable<EpochSummary> history, SeedSpec? spec = null)
    {
        var space = SearchSpaces.TryGet(status.Space, out var s) ? s : SearchSpaces.Get(new SearchOptions().Space);     // states written before spaces were named
        var groups = space.AlphaGroups;
        return new()
        {
            Status = status,
            History = [.. history],
            Space = space.Name,
            Ops = [.. space.Operations],
            Edges = groups.Count == 1 ? [.. groups[0].Edges] : [.. groups.SelectMany(g => g.Edges.Select(e => $"{g.Name} {e}"))],
            Groups = [.. groups.Select(g => g.Name)],
            GroupRows = [.. groups.Select(g => g.Edges.Count)],
            Metrics = spec is null ? [] : Wire.Of(Declared(spec)),
        };
    }

    /// <summary>What a seed's epochs carry, from its spec (nothing for options that do not parse: the seed failed on them).</summary>
    public static IReadOnlyList<MetricDefinition> Declared(SeedSpec spec)
    {
        var problems = new List<string>();
        if (spec.Stage == SeedStages.Evaluate)
            return EvalOptionsJson.Parse(spec.OptionsJson, problems) is { } e && problems.Count == 0 && SearchSpaces.TryGet(e.Space, out _)
                ? MetricSources.Declared(RunScope.Of(e)) : [];
        return SearchOptionsJson.Parse(spec.OptionsJson, problems) is { } o && problems.Count == 0 && SearchSpaces.TryGet(o.Space, out _)
            ? MetricSources.Declared(RunScope.Of(o)) : [];
    }
}
