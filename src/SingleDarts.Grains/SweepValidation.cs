using System.Text.Json;
using System.Text.Json.Nodes;
using SingleDarts.Abstractions;
using SingleDarts.Search;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Strategies;

namespace SingleDarts.Grains;

/// <summary>Checks a sweep spec completely and turns it into per-seed search options.</summary>
public static class SweepValidation
{
    /// <summary>Every problem with the spec, each one sentence naming what is wrong; empty when it can run.</summary>
    public static IReadOnlyList<string> Validate(SweepSpec spec, string? sweepId = null)
    {
        var problems = new List<string>();
        if (sweepId is not null && !SweepKeys.IsValidId(sweepId))
            problems.Add($"sweep id '{sweepId}' may only hold letters, digits, '.', '_' and '-' (at most 100, not starting with '.')");
        if (spec.Methods.Length == 0) problems.Add("methods: give at least one method");
        foreach (var m in spec.Methods.Where(m => !SearchStrategies.TryGet(m, out _)).Distinct())
            problems.Add($"methods: unknown method '{m}' (known: {string.Join(", ", SearchStrategies.Names)})");
        foreach (var m in spec.Methods.GroupBy(m => m).Where(g => g.Count() > 1))
            problems.Add($"methods: '{m.Key}' is listed {m.Count()} times");
        if (spec.Seeds.Length == 0) problems.Add("seeds: give at least one seed");
        foreach (var s in spec.Seeds.GroupBy(s => s).Where(g => g.Count() > 1))
            problems.Add($"seeds: {s.Key} is listed {s.Count()} times");
        if (spec.CollapseRule.Length > 0 && !CollapseRules.All.Contains(spec.CollapseRule))
            problems.Add($"collapse_rule: unknown rule '{spec.CollapseRule}' (known: {string.Join(", ", CollapseRules.All)})");

        var shared = ParseOptions(spec.SearchJson, problems);
        if (shared is not null && SearchSpaces.TryGet(shared.Space, out var space))
        {
            var (rule, _) = CollapseRuleOf(spec, space);
            if (spec.CollapseThreshold < 0 || spec.CollapseThreshold > space.CountedEdges)
                problems.Add($"collapse_threshold must be in 1..{space.CountedEdges} ({rule} edges of the {space.Name} space's counted cell; 0 or none: {space.DefaultCollapseThreshold}), got {spec.CollapseThreshold}");
        }
        if (shared is not null)
        {
            var known = spec.Methods.Where(m => SearchStrategies.TryGet(m, out _)).Distinct().DefaultIfEmpty(shared.Method);
            foreach (var problem in known.SelectMany(m => (shared with { Method = m }).Validate()).Distinct())
                problems.Add($"search: {problem.TrimStart('-')}");
        }
        return problems;
    }

    /// <summary>The spec's collapse rule and threshold, the space's defaults where the spec leaves them out.</summary>
    public static (string Rule, int Threshold) CollapseRuleOf(SweepSpec spec, ISearchSpace space) =>
        (spec.CollapseRule.Length > 0 ? spec.CollapseRule : space.DefaultCollapseRule,
         spec.CollapseThreshold > 0 ? spec.CollapseThreshold : space.DefaultCollapseThreshold);

    /// <summary>The options every seed of the sweep shares (call after <see cref="Validate"/> found no problem).</summary>
    public static SearchOptions SharedOptions(SweepSpec spec)
    {
        var problems = new List<string>();
        var options = ParseOptions(spec.SearchJson, problems);
        return options is not null && problems.Count == 0 ? options : throw new SearchConfigException(problems);
    }

    /// <summary>The options of one seed (call after <see cref="Validate"/> found no problem).</summary>
    public static SearchOptions OptionsFor(SweepSpec spec, string method, long seed) => SharedOptions(spec) with { Method = method, Seed = seed };

    public static string ToJson(SearchOptions options) => JsonSerializer.Serialize(options, Json.Line);

    /// <summary>Search options from their snake_case JSON; unknown keys are problems (a typo must not silently fall back to a default).</summary>
    public static SearchOptions? ParseOptions(string json, List<string> problems)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            problems.Add($"search: not valid JSON ({ex.Message})");
            return null;
        }
        if (node is not JsonObject given)
        {
            problems.Add("search: must be a mapping of search options");
            return null;
        }
        // unknown keys are reported and left out, so that the known ones are checked too (every problem at once)
        var known = (JsonObject)given.DeepClone();
        UnknownKeys(known, KnownKeys, "search", problems);
        // a value of the wrong type is reported and left out in turn, so the others are still checked
        while (true)
        {
            try
            {
                var options = known.Deserialize<SearchOptions>(Json.Options);
                // the space's own cell count when none is given (nb201: N = 5 per stage; darts: L = 8)
                return options is not null && !known.ContainsKey("cells") && SearchSpaces.TryGet(options.Space, out var space)
                    ? options with { Cells = space.DefaultCells } : options;
            }
            catch (JsonException ex)
            {
                var path = (ex.Path ?? "$").TrimStart('$').TrimStart('.').Split('.', StringSplitOptions.RemoveEmptyEntries);
                problems.Add($"search.{string.Join('.', path)}: {WrongValue(path, known)}");
                if (!Remove(known, path)) return null;
            }
        }
    }

    /// <summary>What is wrong with the value at <paramref name="path"/>: the enum's names, or the type it must have.</summary>
    private static string WrongValue(string[] path, JsonObject given)
    {
        var type = typeof(SearchOptions);
        JsonNode? value = given;
        foreach (var name in path)
        {
            var property = Json.Options.GetTypeInfo(type).Properties.FirstOrDefault(p => p.Name == name);
            value = value?[name];
            if (property is null) return "wrong type of value";
            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }
        if (type.IsEnum)
            return $"unknown value {value?.ToJsonString()} (known: {string.Join(", ", Enum.GetNames(type).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n)))})";
        var expected = type == typeof(string) ? "text" : type == typeof(bool) ? "true or false" : type.IsPrimitive || type == typeof(decimal) ? "a number" : "a mapping";
        return $"expected {expected}, got {value?.ToJsonString() ?? "nothing"}";
    }

    private static bool Remove(JsonObject root, string[] path)
    {
        if (path.Length == 0) return false;
        JsonObject? parent = root;
        foreach (var name in path[..^1]) parent = parent?[name] as JsonObject;
        return parent?.Remove(path[^1]) == true;
    }

    /// <summary>Every option name (nested objects included), from the defaults' JSON.</summary>
    private static readonly JsonObject KnownKeys = JsonSerializer.SerializeToNode(new SearchOptions(), Json.Options)!.AsObject();

    /// <summary>Reports and removes the keys of <paramref name="given"/> that <paramref name="known"/> lacks, nested objects included.</summary>
    private static void UnknownKeys(JsonObject given, JsonObject known, string path, List<string> problems)
    {
        foreach (var (key, value) in given.ToList())
        {
            if (!known.ContainsKey(key))
            {
                problems.Add($"{path}.{key}: unknown option (known: {string.Join(", ", known.Select(k => k.Key))})");
                given.Remove(key);
                continue;
            }
            if (value is JsonObject inner && known[key] is JsonObject innerKnown) UnknownKeys(inner, innerKnown, $"{path}.{key}", problems);
        }
    }

}
