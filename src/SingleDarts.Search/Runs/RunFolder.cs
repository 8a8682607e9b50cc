using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SingleDarts.Search.Checkpoints;

namespace SingleDarts.Search.Runs;

/// <summary>
/// A run's folder: config.json (effective options and environment), epochs.jsonl (one line per
/// epoch), result.json and, with local checkpoints, checkpoints/epoch-NNNN.ckpt.
/// </summary>
public sealed class RunFolder
{
    public RunFolder(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }
    public string ConfigPath => System.IO.Path.Combine(Path, "config.json");
    public string EpochsPath => System.IO.Path.Combine(Path, "epochs.jsonl");
    public string ResultPath => System.IO.Path.Combine(Path, "result.json");
    /// <summary>The folder of local checkpoints.</summary>
    public LocalCheckpointStore Checkpoints => new(System.IO.Path.Combine(Path, "checkpoints"));

    /// <summary>The versions, device and threads a run ran with (config.json's "environment").</summary>
    public static JsonObject Environment(TorchSharp.torch.Device device) => new()
    {
        ["torchsharp"] = TorchRuntime.TorchSharpVersion,
        ["libtorch"] = TorchRuntime.LibTorchVersion,
        ["device"] = device.ToString(),
        ["threads"] = TorchSharp.torch.get_num_threads(),
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["os"] = RuntimeInformation.OSDescription,
        ["processors"] = System.Environment.ProcessorCount,
    };

    /// <summary>
    /// Writes config.json: the run's kind and options, its environment, the numbers its epochs carry (their
    /// declarations: a run folder describes itself), and what else the run says of itself.
    /// </summary>
    public void WriteConfig(string kind, object options, TorchSharp.torch.Device device, IReadOnlyList<Metrics.MetricDefinition> metrics,
        params (string Name, JsonNode? Node)[] sections)
    {
        Directory.CreateDirectory(Path);
        var config = new JsonObject
        {
            ["kind"] = kind,
            ["options"] = JsonSerializer.SerializeToNode(options, options.GetType(), Json.Options),
            ["environment"] = Environment(device),
            ["metrics"] = JsonSerializer.SerializeToNode(metrics, Json.Options),
        };
        foreach (var (name, node) in sections) config[name] = node;
        config["created"] = DateTimeOffset.UtcNow;
        WriteAtomically(ConfigPath, config.ToJsonString(Json.Options));
    }

    /// <summary>The kind of run this folder holds (search, evaluation), from config.json; null without one.</summary>
    public string? ReadKind()
    {
        if (!File.Exists(ConfigPath)) return null;
        try
        {
            // a search's config.json of earlier versions has no kind
            return JsonNode.Parse(File.ReadAllText(ConfigPath))?["kind"]?.GetValue<string>() ?? Measurement.RunKinds.Search;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new SearchConfigException($"{ConfigPath} is not valid JSON ({ex.Message})");
        }
    }

    /// <summary>The options (of type <typeparamref name="T"/>) a run of <paramref name="kind"/> in this folder was started with.</summary>
    /// <exception cref="SearchConfigException">no config.json, or the folder holds the other kind of run ("this folder holds a search, not an evaluation").</exception>
    public T ReadOptions<T>(string kind)
    {
        if (!Directory.Exists(Path)) throw new SearchConfigException($"--resume: no such run folder: {Path}");
        if (!File.Exists(ConfigPath)) throw new SearchConfigException($"--resume: {Path} holds no config.json (not a run folder?)");
        var held = ReadKind();
        if (held != kind)
            throw new SearchConfigException($"--resume: {Path} holds {Article(held)}, not {Article(kind)}: {(held == Measurement.RunKinds.Search ? "continue it with `singledarts search --resume`" : "continue it with `singledarts evaluate --resume`")}");
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(ConfigPath))?["options"]
                ?? throw new SearchConfigException($"{ConfigPath} has no \"options\"");
            return node.Deserialize<T>(Json.Options) ?? throw new SearchConfigException($"{ConfigPath}: empty options");
        }
        catch (JsonException ex)
        {
            throw new SearchConfigException($"{ConfigPath} is not valid JSON ({ex.Message})");
        }
    }

    private static string Article(string? kind) => kind == Measurement.RunKinds.Evaluation ? "an evaluation" : $"a {kind}";

    /// <exception cref="IO.DiskFullException">the disk is full (the file keeps its earlier lines whole).</exception>
    public void AppendEpoch<T>(T record) =>
        IO.AtomicFile.Append(EpochsPath, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, Json.Line) + "\n"));

    /// <summary>Rewrites epochs.jsonl from a checkpoint's history (drops lines of epochs it does not hold).</summary>
    public void RewriteEpochs<T>(IEnumerable<T> history) =>
        WriteAtomically(EpochsPath, string.Concat(history.Select(r => JsonSerializer.Serialize(r, Json.Line) + "\n")));

    public void WriteResult<T>(T result) =>
        WriteAtomically(ResultPath, JsonSerializer.Serialize(result, Json.Options) + "\n");

    /// <exception cref="IO.DiskFullException">the disk is full: no temporary is left and an earlier file of that name is intact.</exception>
    private static void WriteAtomically(string path, string text) => IO.AtomicFile.Write(path, Encoding.UTF8.GetBytes(text));
}
