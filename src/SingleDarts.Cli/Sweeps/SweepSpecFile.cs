using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SingleDarts.Abstractions;
using SingleDarts.Hosting;
using SingleDarts.Search.Data;
using SingleDarts.Search.Options;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Runs;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

using SingleDarts.Search;

namespace SingleDarts.Cli.Sweeps;

/// <summary>
/// A sweep spec file (YAML or JSON): <c>name</c>, optional <c>id</c>, <c>methods</c> (presets' names, or composed methods as
/// mappings <c>{name: gdas-single, preset: gdas, level: single}</c>), <c>seeds</c> (a list, or a list per method),
/// <c>collapse_threshold</c>, <c>collapse_rule</c>, <c>collapse_alarm</c>, <c>on_collapse</c>, <c>darts_es</c>, <c>search</c> (any search option, snake_case, as in a
/// run's config.json) and optionally <c>evaluate</c> (any evaluate option: the evaluation stage, which
/// trains every completed seed's genotype from scratch). Relative data and table paths are relative to the file;
/// the names synthetic, cifar10, cifar100 (data) and builtin, none (nb201) are not paths.
/// </summary>
public static partial class SweepSpecFile
{
    private static readonly string[] TopLevel = ["name", "id", "methods", "seeds", "collapse_threshold", "collapse_rule", "collapse_alarm", "on_collapse", "darts_es", "search", "evaluate"];

    /// <summary>The spec and the sweep id; every problem with the file at once as a <see cref="SearchConfigException"/>.</summary>
    public static (SweepSpec Spec, string Id) Read(string path, string? idOverride = null)
    {
        if (Directory.Exists(path)) throw new SearchConfigException($"-f: {path} is a folder; name a spec file (.yaml or .json)");
        if (!File.Exists(path)) throw new SearchConfigException($"-f: no such spec file: {path}");
        var root = Parse(path);
        var problems = new List<string>();
        foreach (var key in root.Select(p => p.Key).Where(k => !TopLevel.Contains(k)))
            problems.Add($"{key}: unknown key (known: {string.Join(", ", TopLevel)})");

        var name = Text(root, "name", problems) ?? Path.GetFileNameWithoutExtension(path);
        Dictionary<string, string>? methodJson = null;
        var methods = List(root, "methods", problems, n => MethodEntry(n, ref methodJson, problems));
        List<long> seeds = [];
        Dictionary<string, long[]>? methodSeeds = null;
        if (root["seeds"] is JsonObject perMethod)
        {
            // seeds per method: {single: [0, 1, 2], darts-v2: [0]}; methods default to its keys, in order
            methodSeeds = [];
            foreach (var (method, list) in perMethod)
                methodSeeds[method] = [.. List(perMethod, method, problems, n => n.GetValue<long>(), $"seeds.{method}") ?? []];
            methods ??= [.. methodSeeds.Keys];
            foreach (var m in methods.Where(m => !methodSeeds.ContainsKey(m)).Distinct())
                problems.Add($"seeds.{m}: the method '{m}' has no seed list (with seeds per method, give one for every method)");
        }
        else seeds = List(root, "seeds", problems, n => n.GetValue<long>()) ?? [];
        methods ??= [];
        var threshold = root["collapse_threshold"] is { } t ? Number(t, "collapse_threshold", problems) : 0;
        var rule = Text(root, "collapse_rule", problems) ?? "";
        var (alarmThreshold, alarmEpochs, alarmWarmup) = (0, 0, SweepSpec.DefaultAlarmWarmup);
        switch (root["collapse_alarm"])
        {
            case null:
                break;
            case JsonValue off when off.TryGetValue<bool>(out var on) && !on || off.TryGetValue<string>(out var word) && word == "off":
                alarmEpochs = -1;
                break;
            case JsonObject alarm:
                foreach (var key in alarm.Select(kv => kv.Key).Where(k => k is not ("threshold" or "epochs" or "warmup")))
                    problems.Add($"collapse_alarm.{key}: unknown key (known: threshold, epochs, warmup)");
                if (alarm["warmup"] is { } w) alarmWarmup = Share(w, "collapse_alarm.warmup", problems);
                if (alarm["threshold"] is { } t2) alarmThreshold = Number(t2, "collapse_alarm.threshold", problems);
                if (alarm["epochs"] is { } e2)
                {
                    alarmEpochs = Number(e2, "collapse_alarm.epochs", problems);
                    if (alarmEpochs <= 0) problems.Add($"collapse_alarm.epochs must be at least 1 (collapse_alarm: off turns the alarm off), got {alarmEpochs}");
                }
                break;
            default:
                problems.Add("collapse_alarm: a mapping {threshold: N, epochs: N} or off");
                break;
        }
        var dartsEs = DartsEs(root["darts_es"], problems);
        var onCollapse = Text(root, "on_collapse", problems) ?? "continue";
        if (onCollapse is not ("stop" or "continue")) problems.Add($"on_collapse: stop or continue, got '{onCollapse}'");
        var search = root["search"] ?? new JsonObject();
        if (search is not JsonObject searchObject)
        {
            problems.Add("search: must be a mapping of search options");
            searchObject = [];
        }
        foreach (var key in new[] { "method", "seed" }.Where(searchObject.ContainsKey))
            problems.Add($"search.{key}: set it per sweep with '{key}s' at the top level");
        // a method's parts belong to a composed method with a name of its own, so that its results never pass for a preset's
        foreach (var key in SearchOptionsJson.MethodKeys.Where(searchObject.ContainsKey))
            problems.Add(key == "preset"
                ? "search.preset: a composed method names its preset in methods, e.g. methods: [single, {name: gdas-single, preset: gdas, level: single}]"
                : $"search.{key}: a part of a method; compose a method with it in methods, e.g. methods: [single, {{name: single-x, preset: single, {key}: …}}]");
        ResolvePath(searchObject, "data", path, DownloadableDatasets.IsName);
        ResolvePath(searchObject, "nb201", path, Nb201Source.IsKeyword);
        JsonObject? evaluateObject = null;
        if (root["evaluate"] is { } evaluate)
        {
            if (evaluate is JsonObject e) evaluateObject = e;
            else problems.Add("evaluate: must be a mapping of evaluate options (an empty mapping {} takes the space's protocol)");
            if (evaluateObject is not null) ResolvePath(evaluateObject, "data", path, DownloadableDatasets.IsName);
        }

        var spec = new SweepSpec
        {
            Name = name,
            Methods = [.. methods],
            Seeds = methodSeeds is null ? [.. seeds] : [.. methodSeeds.Values.SelectMany(v => v).Distinct().Order()],
            MethodSeeds = methodSeeds,
            MethodJson = methodJson,
            SearchJson = searchObject.ToJsonString(),
            CollapseThreshold = threshold,
            CollapseRule = rule,
            EvaluateJson = evaluateObject?.ToJsonString(),
            AlarmThreshold = alarmThreshold,
            AlarmEpochs = alarmEpochs,
            AlarmWarmup = alarmWarmup,
            StopOnCollapse = onCollapse == "stop",
            DartsEs = dartsEs,
        };
        var id = idOverride ?? Text(root, "id", problems) ?? DefaultId(name);
        problems.AddRange(SweepSpecs.Validate(spec, id));
        if (problems.Count > 0) throw new SearchConfigException(problems.Select(p => $"{Path.GetFileName(path)}: {p}").ToList());
        return (spec, id);
    }

    /// <summary>
    /// The spec's dataset names (cifar10, cifar100) that are not downloaded into <paramref name="cacheDir"/>
    /// (null: the default dataset cache), each as a line saying how to get it. For an embedded silo, whose
    /// cache is this machine's; remote workers check their own when a seed starts.
    /// </summary>
    public static IReadOnlyList<string> MissingDownloads(SweepSpec spec, string? cacheDir)
    {
        var problems = new List<string>();
        foreach (var json in new[] { spec.SearchJson, spec.EvaluateJson })
        {
            if (json is null || JsonNode.Parse(json)?["data"] is not JsonValue v || !v.TryGetValue<string>(out var data)) continue;
            try
            {
                DownloadableDatasets.Resolve(data, cacheDir);
            }
            catch (DataException ex)
            {
                problems.Add(ex.Message);
            }
        }
        return [.. problems.Distinct()];
    }

    public static string DefaultId(string name)
    {
        var clean = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray()).Trim('.', '-');
        return $"{(clean.Length == 0 ? "sweep" : clean[..Math.Min(clean.Length, 60)])}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
    }

    /// <summary>A relative path becomes relative to the spec file; names (<paramref name="isName"/>) stay as they are.</summary>
    private static void ResolvePath(JsonObject search, string key, string specPath, Func<string, bool> isName)
    {
        if (search[key] is JsonValue v && v.TryGetValue<string>(out var p) && !isName(p) && !Path.IsPathRooted(p))
            search[key] = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(specPath))!, p));
    }

    private static string? Text(JsonObject root, string key, List<string> problems)
    {
        if (root[key] is null) return null;
        if (root[key] is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        problems.Add($"{key}: must be a string");
        return null;
    }

    private static List<T>? List<T>(JsonObject root, string key, List<string> problems, Func<JsonNode, T> item, string? name = null)
    {
        if (root[key] is null) return null;
        if (root[key] is not JsonArray array)
        {
            problems.Add(key == "seeds"
                ? "seeds: must be a list, e.g. seeds: [0, 1, 2], or a list per method, e.g. seeds: {single: [0, 1], darts-v2: [0]}"
                : $"{name ?? key}: must be a list, e.g. {key}: [{(typeof(T) == typeof(long) ? "0, 1, 2" : "single, darts-v1")}]");
            return null;
        }
        var result = new List<T>();
        foreach (var n in array)
        {
            try
            {
                result.Add(item(n!));
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or NullReferenceException)
            {
                problems.Add($"{name ?? key}: '{(n is JsonValue jv && jv.TryGetValue<string>(out var text) ? text : n?.ToJsonString())}' is not a {(typeof(T) == typeof(long) ? "whole number" : key == "methods" ? "method (a preset's name, or a mapping {name: …, preset: …})" : "string")}");
            }
        }
        return result;
    }

    /// <summary>darts_es: on (the paper's k = 5, ratio 0.75, from epoch 10), off, or a mapping {window, ratio, start_epoch}.</summary>
    private static DartsEsSpec? DartsEs(JsonNode? node, List<string> problems)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonValue v when v.TryGetValue<bool>(out var on):
                return on ? new DartsEsSpec() : null;
            case JsonValue v when v.TryGetValue<string>(out var word) && word is "on" or "off":
                return word == "on" ? new DartsEsSpec() : null;
            case JsonObject map:
                var es = new DartsEsSpec();
                foreach (var (key, value) in map)
                {
                    switch (key)
                    {
                        case "window": es = es with { Window = Number(value!, "darts_es.window", problems) }; break;
                        case "start_epoch": es = es with { StartEpoch = Number(value!, "darts_es.start_epoch", problems) }; break;
                        case "ratio" when TryReal(value, out var ratio): es = es with { Ratio = ratio }; break;
                        case "ratio": problems.Add("darts_es.ratio: must be a number"); break;
                        default: problems.Add($"darts_es.{key}: unknown key (known: window, ratio, start_epoch)"); break;
                    }
                }
                return es;
            default:
                problems.Add("darts_es: on, off, or a mapping {window: 5, ratio: 0.75, start_epoch: 10}");
                return null;
        }
    }

    /// <summary>
    /// A methods entry: a preset's name, or a composed method as a mapping {name: gdas-single, preset: gdas, level: single}
    /// whose other keys are its parts (kept as JSON for the sweep; checked with the spec).
    /// </summary>
    private static string MethodEntry(JsonNode node, ref Dictionary<string, string>? methodJson, List<string> problems)
    {
        if (node is not JsonObject map) return node.GetValue<string>();
        if (map["name"] is not JsonValue v || !v.TryGetValue<string>(out var name) || name.Length == 0)
        {
            problems.Add("methods: a composed method's mapping needs a name, e.g. {name: gdas-single, preset: gdas, level: single}");
            return "";
        }
        var parts = (JsonObject)map.DeepClone();
        parts.Remove("name");
        methodJson ??= [];
        methodJson[name] = parts.ToJsonString();
        return name;
    }

    /// <summary>A share of the epochs (the range is the validation's to check).</summary>
    private static double Share(JsonNode node, string key, List<string> problems)
    {
        if (TryReal(node, out var d)) return d;
        problems.Add($"{key}: must be a number (a share of the epochs, e.g. 0.5)");
        return SweepSpec.DefaultAlarmWarmup;
    }

    /// <summary>A finite real number; YAML's whole numbers (`warmup: 0`, `ratio: 1`) arrive as integers, which reading a double refuses.</summary>
    private static bool TryReal(JsonNode? node, out double value)
    {
        value = 0;
        if (node is not JsonValue v) return false;
        if (v.TryGetValue(out value)) return double.IsFinite(value);
        if (!v.TryGetValue<long>(out var whole)) return false;
        value = whole;
        return true;
    }

    private static int Number(JsonNode node, string key, List<string> problems)
    {
        if (node is JsonValue v && v.TryGetValue<long>(out var n) && n is >= int.MinValue and <= int.MaxValue) return (int)n;
        problems.Add($"{key}: must be a whole number");
        return 0;
    }
}
