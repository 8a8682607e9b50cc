using System.Text.Json;
using System.Text.Json.Nodes;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Search.Options;

/// <summary>
/// The codec of <see cref="SearchOptions"/> as snake_case JSON (a run's config.json "options", a sweep
/// spec's "search"): strict, every problem named, the space's defaults where the JSON leaves them out.
/// </summary>
public static class SearchOptionsJson
{
    public static string ToJson(SearchOptions options) => JsonSerializer.Serialize(options, Json.Line);

    /// <summary>The keys of a composed method's parts (a sweep spec's method mapping may set these and no others).</summary>
    public static readonly IReadOnlyList<string> MethodKeys =
        ["preset", "level", "relax", "partial_channels", "edge_normalization", "perturbation", "auxiliary_skip", "beta_decay", "tau_max", "tau_min", "dirichlet_kl"];

    /// <summary>
    /// The options of one method of a sweep: the shared <paramref name="json"/> with the method's name and, for a composed
    /// method, its parts (<paramref name="methodJson"/>) written over it; problems name the method's section.
    /// </summary>
    public static SearchOptions? ForMethod(string json, string method, string? methodJson, List<string> problems)
    {
        if (OptionsJson<SearchOptions>.Object(json, "search", problems) is not { } shared) return null;
        shared["method"] = method;
        if (methodJson is not null)
        {
            if (OptionsJson<SearchOptions>.Object(methodJson, $"methods.{method}", problems) is not { } parts) return null;
            foreach (var (key, value) in parts) shared[key] = value?.DeepClone();
        }
        return Parse(shared.ToJsonString(), problems);
    }

    /// <summary>Search options from their snake_case JSON; unknown keys are problems (a typo must not silently fall back to a default).</summary>
    public static SearchOptions? Parse(string json, List<string> problems)
    {
        if (OptionsJson<SearchOptions>.Object(json, "search", problems) is not { } given) return null;
        var options = OptionsJson<SearchOptions>.Parse(given, "search", problems);
        // the space's own cell count when none is given (nb201: N = 5 per stage; darts: L = 8)
        return options is not null && !given.ContainsKey("cells") && SearchSpaces.TryGet(options.Space, out var space)
            ? options with { Cells = space.DefaultCells } : options;
    }
}

/// <summary>
/// Options of type <typeparamref name="T"/> from a snake_case JSON object: unknown keys and values of
/// the wrong type are reported (each naming its key under <c>section</c>) and left out, so that every
/// problem is reported at once.
/// </summary>
public static class OptionsJson<T> where T : new()
{
    /// <summary>The JSON object of <paramref name="json"/>; null (and a problem) when it is not one.</summary>
    public static JsonObject? Object(string json, string section, List<string> problems)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            problems.Add($"{section}: not valid JSON ({ex.Message})");
            return null;
        }
        if (node is JsonObject given) return given;
        problems.Add($"{section}: must be a mapping of {section} options");
        return null;
    }

    public static T? Parse(JsonObject given, string section, List<string> problems)
    {
        // unknown keys are reported and left out, so that the known ones are checked too (every problem at once)
        var known = (JsonObject)given.DeepClone();
        UnknownKeys(known, KnownKeys, section, problems);
        // a value of the wrong type is reported and left out in turn, so the others are still checked
        while (true)
        {
            try
            {
                return known.Deserialize<T>(Json.Options);
            }
            catch (JsonException ex)
            {
                var path = (ex.Path ?? "$").TrimStart('$').TrimStart('.').Split('.', StringSplitOptions.RemoveEmptyEntries);
                problems.Add($"{section}.{string.Join('.', path)}: {WrongValue(path, known)}");
                if (!Remove(known, path)) return default;
            }
        }
    }
    /// <summary>What is wrong with the value at <paramref name="path"/>: the enum's names, or the type it must have.</summary>
    private static string WrongValue(string[] path, JsonObject given)
    {
        var type = typeof(T);
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
    private static readonly JsonObject KnownKeys = JsonSerializer.SerializeToNode(new T(), Json.Options)!.AsObject();

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
