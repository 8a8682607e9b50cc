using System.Text.Json;
using SingleDarts.Search.Data;
using SingleDarts.Search.Runs;
using static TorchSharp.torch;

namespace SingleDarts.Search.Checkpoints;

/// <summary>What a checkpoint says besides its tensors.</summary>
public sealed record CheckpointMetadata
{
    public int Format { get; init; } = 1;
    public int Epoch { get; init; }
    public SearchOptions Options { get; init; } = new();
    public ulong[] TrainRng { get; init; } = [];
    public ulong[]? ValidRng { get; init; }
    public long ArchSteps { get; init; }
    public List<EpochRecord> History { get; init; } = [];
    public DateTimeOffset Written { get; init; }
}

/// <summary>
/// The whole state of a search at an epoch boundary: w and BatchNorm statistics, α, SGD momentum,
/// Adam moments and step count, the torch generator, the data-order generators, the epoch
/// history (and with it the schedule position).
/// </summary>
internal static class SearchCheckpoint
{
    public static byte[] Serialize(SearchRun run, Generator generator, BatchLoader train, BatchLoader? valid)
    {
        var meta = new CheckpointMetadata
        {
            Epoch = run.EpochsDone,
            Options = run.Options,
            TrainRng = train.RngState,
            ValidRng = valid?.RngState,
            ArchSteps = run.State.ArchOptimizer.StepCount,
            History = run.History.ToList(),
            Written = DateTimeOffset.UtcNow,
        };
        using var genState = generator.get_state();
        return TensorArchive.Serialize(meta, Tensors(run).Append(("generator", genState)));
    }

    /// <summary>Restores a run from a checkpoint's bytes; <paramref name="path"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">the bytes are not a whole checkpoint (checksum, truncation).</exception>
    /// <exception cref="SearchConfigException">the checkpoint is whole but belongs to another run.</exception>
    public static CheckpointMetadata Load(byte[] bytes, string path, SearchRun run, Generator generator, BatchLoader train, BatchLoader? valid)
    {
        var (metaJson, tensors) = TensorArchive.Parse(bytes, path);
        try
        {
            var meta = metaJson.Deserialize<CheckpointMetadata>(Json.Line)
                ?? throw new SearchConfigException($"{path}: checkpoint has no metadata");
            var differences = Differences(meta.Options, run.Options);
            if (differences.Count > 0)
                throw new SearchConfigException($"{path} was written with other options: {string.Join(", ", differences)}");
            using (no_grad())
                foreach (var (name, target) in Tensors(run))
                {
                    if (!tensors.TryGetValue(name, out var source) || !source.shape.SequenceEqual(target.shape))
                        throw new SearchConfigException($"{path}: tensor '{name}' is missing or has another shape");
                    target.copy_(source);
                }
            if (tensors.TryGetValue("generator", out var genState)) generator.set_state(genState);
            train.RngState = meta.TrainRng;
            if (valid is not null && meta.ValidRng is not null) valid.RngState = meta.ValidRng;
            run.State.ArchOptimizer.StepCount = meta.ArchSteps;
            return meta;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static IEnumerable<(string, Tensor)> Tensors(SearchRun run)
    {
        for (var i = 0; i < run.Model.Weights.Count; i++) yield return ($"net.{run.Model.WeightNames[i]}", run.Model.Weights[i]);
        foreach (var (name, b) in run.Model.Buffers) yield return ($"net.{name}", b);
        yield return ("alphas", run.Model.Alphas);
        foreach (var (name, t) in run.State.WeightOptimizer.StateTensors()) yield return ($"sgd.{name}", t);
        foreach (var (name, t) in run.State.ArchOptimizer.StateTensors()) yield return ($"adam.{name}", t);
    }

    /// <summary>Options that differ, as "name: checkpoint → now".</summary>
    private static List<string> Differences(SearchOptions saved, SearchOptions now)
    {
        var a = JsonSerializer.SerializeToElement(saved, Json.Line);
        var b = JsonSerializer.SerializeToElement(now, Json.Line);
        var diffs = new List<string>();
        Compare(a, b, "", diffs);
        return diffs;
    }

    private static void Compare(JsonElement a, JsonElement b, string prefix, List<string> diffs)
    {
        if (a.ValueKind == JsonValueKind.Object && b.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in a.EnumerateObject())
            {
                if (b.TryGetProperty(p.Name, out var q)) Compare(p.Value, q, prefix + p.Name + ".", diffs);
                else diffs.Add($"{prefix}{p.Name}: {p.Value} → (absent)");
            }
            return;
        }
        if (a.GetRawText() != b.GetRawText()) diffs.Add($"{prefix.TrimEnd('.')}: {a.GetRawText()} → {b.GetRawText()}");
    }
}
