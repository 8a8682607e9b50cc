using System.Text.Json;
using System.Text.Json.Nodes;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Measurement;
using SingleDarts.Search.Options;
using SingleDarts.Search.Spaces;
using static TorchSharp.torch;

namespace SingleDarts.Search.Runs;

/// <summary>What an export wrote: the file, its entries, the checkpoint it came from, and the Python that builds the reference model for it.</summary>
public sealed record ExportedModel(string Path, int Entries, long Weights, string Checkpoint, int Epoch, string ReferenceModel);

/// <summary>
/// An evaluation's trained network as a PyTorch state_dict file with the reference implementation's names
/// (<see cref="PyTorchStateDict"/>): written by <c>evaluate</c> at the end of a run (<see cref="FileName"/> in its
/// folder), or later from a run folder's newest checkpoint.
/// </summary>
public static class EvalExport
{
    /// <summary>The state_dict file an evaluation writes into its run folder when it finishes.</summary>
    public const string FileName = "model.pt";

    /// <summary>BatchNorm's <c>num_batches_tracked</c>: the training steps taken (every BatchNorm runs in every step).</summary>
    public static long BatchesTracked(IEnumerable<EpochRecord> history, int stepsInto = 0) => history.Sum(h => (long)h.Steps) + stepsInto;

    public static ExportedModel Write(EvalRun run, string path) =>
        new(Path.GetFullPath(path), PyTorchStateDict.Write(run.Network, BatchesTracked(run.History), path), run.Network.AllWeightCount,
            "", run.EpochsDone, run.Network.ReferenceModel);

    /// <summary>Writes the network of <paramref name="runDir"/>'s newest readable checkpoint to <paramref name="path"/> (default: the folder's <see cref="FileName"/>).</summary>
    /// <exception cref="SearchConfigException">not an evaluation's run folder, or no checkpoint in it.</exception>
    public static ExportedModel FromFolder(string runDir, string? path = null)
    {
        var folder = new RunFolder(runDir);
        if (!File.Exists(folder.ConfigPath)) throw new SearchConfigException($"{runDir} is not a run folder (no config.json)");
        if (folder.ReadKind() != RunKinds.Evaluation) throw new SearchConfigException($"{runDir} holds a search, not an evaluation: export a genotype's network after `singledarts evaluate`");
        var options = folder.ReadOptions<EvalOptions>(RunKinds.Evaluation);
        var classes = JsonNode.Parse(File.ReadAllText(folder.ConfigPath))?["data"]?["classes"]?.GetValue<int>()
                      ?? throw new SearchConfigException($"{folder.ConfigPath} does not say how many classes the data has (data.classes)");
        var store = folder.Checkpoints;
        var epochs = store.Epochs();
        if (epochs.Count == 0) throw new SearchConfigException($"{runDir} holds no checkpoint yet: nothing trained to export");
        var space = SearchSpaces.Get(options.Space);
        using var generator = new Generator((ulong)options.Seed, CPU);
        using var network = space.BuildNetwork(space.Parse(options.Arch), options.Channels, options.Cells, classes, options.AuxiliaryWeight > 0, generator);
        foreach (var epoch in epochs.OrderDescending())
        {
            var name = store.NameOf(epoch);
            Dictionary<string, Tensor> tensors;
            JsonElement metaJson;
            try
            {
                (metaJson, tensors) = TensorArchive.Parse(store.Read(epoch), name);
            }
            catch (InvalidDataException)
            {
                continue;       // a damaged checkpoint: the one before it, as --resume does
            }
            try
            {
                var meta = metaJson.Deserialize<CheckpointMetadata>(Json.Line) ?? throw new SearchConfigException($"{name}: checkpoint has no metadata");
                using (no_grad())
                    foreach (var (ours, t) in network.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(network.named_buffers()))
                    {
                        if (!tensors.TryGetValue("net." + ours, out var saved) || !saved.shape.SequenceEqual(t.shape))
                            throw new SearchConfigException($"{name}: tensor 'net.{ours}' is missing or has another shape");
                        t.copy_(saved);
                    }
                var history = meta.History.ValueKind == JsonValueKind.Array ? meta.History.Deserialize<List<EpochRecord>>(Json.Line) ?? [] : [];
                var target = path ?? Path.Combine(runDir, FileName);
                var count = PyTorchStateDict.Write(network, BatchesTracked(history, meta.Progress?.Step ?? 0), target);
                return new ExportedModel(Path.GetFullPath(target), count, network.AllWeightCount, name, meta.Epoch, network.ReferenceModel);
            }
            finally
            {
                foreach (var t in tensors.Values) t.Dispose();
            }
        }
        throw new SearchConfigException($"{runDir}: every checkpoint is damaged");
    }
}
