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

    public void WriteConfig(SearchRun run)
    {
        Directory.CreateDirectory(Path);
        var config = new JsonObject
        {
            ["options"] = JsonSerializer.SerializeToNode(run.Options, Json.Options),
            ["environment"] = new JsonObject
            {
                ["torchsharp"] = TorchRuntime.TorchSharpVersion,
                ["libtorch"] = TorchRuntime.LibTorchVersion,
                ["device"] = run.Device.ToString(),
                ["threads"] = TorchSharp.torch.get_num_threads(),
                ["dotnet"] = RuntimeInformation.FrameworkDescription,
                ["os"] = RuntimeInformation.OSDescription,
                ["processors"] = Environment.ProcessorCount,
            },
            ["data"] = new JsonObject
            {
                ["name"] = run.Dataset.Name,
                ["classes"] = run.Dataset.Classes,
                ["image_size"] = run.Dataset.Train.Height,
                ["search_images"] = run.SearchImages,
                ["validation_images"] = run.ValidationImages,
                ["held_out_accuracy_on"] = run.ValidSource,
                ["steps_per_epoch"] = run.StepsPerEpoch,
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
    public SearchOptions ReadOptions()
    {
        if (!File.Exists(ConfigPath)) throw new SearchConfigException($"--resume: {Path} holds no config.json (not a run folder?)");
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(ConfigPath))?["options"]
                ?? throw new SearchConfigException($"{ConfigPath} has no \"options\"");
            return node.Deserialize<SearchOptions>(Json.Options) ?? throw new SearchConfigException($"{ConfigPath}: empty options");
        }
        catch (JsonException ex)
        {
            throw new SearchConfigException($"{ConfigPath} is not valid JSON ({ex.Message})");
        }
    }

    public void AppendEpoch(EpochRecord record) =>
        File.AppendAllText(EpochsPath, JsonSerializer.Serialize(record, Json.Line) + "\n");

    /// <summary>Rewrites epochs.jsonl from a checkpoint's history (drops lines of epochs it does not hold).</summary>
    public void RewriteEpochs(IEnumerable<EpochRecord> history) =>
        WriteAtomically(EpochsPath, string.Concat(history.Select(r => JsonSerializer.Serialize(r, Json.Line) + "\n")));

    public void WriteResult(SearchResult result) =>
        WriteAtomically(ResultPath, JsonSerializer.Serialize(result, Json.Options) + "\n");

    private static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
