using System.Runtime.InteropServices;
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

    /// <summary>Writes config.json: the run's options, its environment, and what else the run says of itself.</summary>
    public void WriteConfig(object options, TorchSharp.torch.Device device, params (string Name, JsonNode Node)[] sections)
    {
        Directory.CreateDirectory(Path);
        var config = new JsonObject
        {
            ["options"] = JsonSerializer.SerializeToNode(options, Json.Options),
            ["environment"] = Environment(device),
        };
        foreach (var (name, node) in sections) config[name] = node;
        config["created"] = DateTimeOffset.UtcNow;
        WriteAtomically(ConfigPath, config.ToJsonString(Json.Options));
    }

    public void WriteConfig(SearchRun run)
    {
        Directory.CreateDirectory(Path);
        var config = new JsonObject
        {
            ["options"] = JsonSerializer.SerializeToNode(run.Options, Json.Options),
            ["environment"] = Environment(run.Device),
            ["data"] = new JsonObject
            {
                ["name"] = run.Dataset.Name,
                ["classes"] = run.Dataset.Classes,
                ["image_size"] = run.Dataset.Train.Height,
                ["search_images"] = run.SearchImages,
                ["validation_images"] = run.ValidationImages,
                ["held_out_accuracy_on"] = run.ValidSource,
                ["steps_per_epoch"] = run.StepsPerEpoch,
                ["nb201_table"] = run.Nb201TableSource,
                ["nb201_dataset"] = run.Nb201Dataset,
            },
            ["model"] = new JsonObject
            {
                ["space"] = run.Space.Name,
                ["weights"] = run.Model.WeightCount,
                ["alphas"] = new JsonArray(run.Space.AlphaGroups.Sum(g => g.Edges.Count), run.Space.Operations.Count),
                ["alpha_groups"] = new JsonArray([.. run.Space.AlphaGroups.Select(g => (JsonNode)new JsonObject { ["name"] = g.Name, ["rows"] = g.Edges.Count })]),
                ["ops"] = new JsonArray([.. run.Space.Operations.Select(n => (JsonNode)n)]),
            },
            ["created"] = DateTimeOffset.UtcNow,
        };
        WriteAtomically(ConfigPath, config.ToJsonString(Json.Options));
    }

    /// <summary>The options a run in this folder was started with.</summary>
    public SearchOptions ReadOptions() => ReadOptions<SearchOptions>();

    /// <summary>The options (of type <typeparamref name="T"/>) a run in this folder was started with.</summary>
    public T ReadOptions<T>()
    {
        if (!File.Exists(ConfigPath)) throw new SearchConfigException($"--resume: {Path} holds no config.json (not a run folder?)");
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

    public void AppendEpoch<T>(T record) =>
        File.AppendAllText(EpochsPath, JsonSerializer.Serialize(record, Json.Line) + "\n");

    /// <summary>Rewrites epochs.jsonl from a checkpoint's history (drops lines of epochs it does not hold).</summary>
    public void RewriteEpochs<T>(IEnumerable<T> history) =>
        WriteAtomically(EpochsPath, string.Concat(history.Select(r => JsonSerializer.Serialize(r, Json.Line) + "\n")));

    public void WriteResult<T>(T result) =>
        WriteAtomically(ResultPath, JsonSerializer.Serialize(result, Json.Options) + "\n");

    private static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
