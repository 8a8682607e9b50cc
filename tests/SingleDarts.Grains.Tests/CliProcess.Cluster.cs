using SingleDarts.Grains;
using SingleDarts.Search.Runs;

namespace SingleDarts.Tests;

/// <summary>The silo host and multi-process clusters (Grains tests only).</summary>
internal sealed partial class CliProcess
{
    /// <summary>
    /// The silo host (<c>singledarts-silo</c>) with configuration given as --Key=Value arguments (and in
    /// <paramref name="environment"/>), its grain state in <paramref name="dir"/>/state (shared by the
    /// silos of one test, never by two tests) and no metrics endpoint.
    /// </summary>
    public static CliProcess StartSilo(string args, string dir, IReadOnlyDictionary<string, string>? environment = null) =>
        new($"{args} --SingleDarts:Storage:StateFolder={dir}/state --SingleDarts:Telemetry:Prometheus:Enabled=false", "singledarts-silo", environment);

    /// <summary>
    /// <c>sweep start ARGS</c> against silo processes that are still starting: retried while their
    /// gateway cannot be reached (at most a minute), then the answer as it is.
    /// </summary>
    public static (int Exit, string Out, string Err) RunWhenReachable(string args, IReadOnlyDictionary<string, string>? environment = null)
    {
        (int Exit, string Out, string Err) result = default;
        for (var attempt = 0; attempt < 120; attempt++)
        {
            result = Run(args, environment);
            if (result.Exit != 1 || !result.Err.Contains("cannot reach", StringComparison.Ordinal)) break;
            Thread.Sleep(500);
        }
        return result;
    }

    /// <summary>A sweep spec file (JSON) in <paramref name="dir"/> with <paramref name="search"/>'s options (less method and seed).</summary>
    public static string SpecFile(string dir, string name, string id, string[] methods, long[] seeds, SingleDarts.Search.Options.SearchOptions search)
    {
        var options = System.Text.Json.Nodes.JsonNode.Parse(SearchOptionsJson.ToJson(search))!.AsObject();
        options.Remove("method");
        options.Remove("seed");
        foreach (var key in SearchOptionsJson.MethodKeys) options.Remove(key);     // a method's parts belong to its entry in methods
        var spec = new System.Text.Json.Nodes.JsonObject
        {
            ["name"] = name,
            ["id"] = id,
            ["methods"] = new System.Text.Json.Nodes.JsonArray([.. methods.Select(m => (System.Text.Json.Nodes.JsonNode)m)]),
            ["seeds"] = new System.Text.Json.Nodes.JsonArray([.. seeds.Select(x => (System.Text.Json.Nodes.JsonNode)x)]),
            ["search"] = options,
        };
        var path = Path.Combine(dir, "spec.json");
        File.WriteAllText(path, spec.ToJsonString());
        return path;
    }
}
