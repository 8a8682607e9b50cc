using System.Text.Json;
using static TorchSharp.torch;

namespace SingleDarts.Search.Checkpoints;

/// <summary>What a checkpoint says besides its tensors (the same for a search and an evaluation).</summary>
public sealed record CheckpointMetadata
{
    /// <summary>2 since the runs share one codec (format 1: the searches and evaluations of earlier versions).</summary>
    public int Format { get; init; } = RunCheckpoint.Format;

    /// <summary>search or evaluation.</summary>
    public string Kind { get; init; } = "";
    public int Epoch { get; init; }

    /// <summary>The run's options (what identifies it: a resumed run must have the same).</summary>
    public JsonElement Options { get; init; }

    /// <summary>The states of the run's data-order generators by name, and its counters (e.g. Adam's step count).</summary>
    public Dictionary<string, ulong[]> Rng { get; init; } = [];
    public Dictionary<string, long> Counters { get; init; } = [];

    /// <summary>Set in a mid-epoch checkpoint (format 3): where the unfinished epoch stands; <see cref="Rng"/> then holds the generators at its start.</summary>
    public EpochProgress? Progress { get; init; }

    /// <summary>The run's epoch records so far (the run reads them back).</summary>
    public JsonElement History { get; init; }
    public DateTimeOffset Written { get; init; }
}

/// <summary>The whole state of a run at an epoch boundary, as a checkpoint holds it.</summary>
/// <param name="Tensors">named tensors (weights, buffers, α, optimiser moments, the torch generator's state): restored in place.</param>
/// <param name="Progress">a mid-epoch checkpoint's progress (its <paramref name="Rng"/> the generators at the epoch's start), or null at an epoch boundary.</param>
public sealed record CheckpointState(string Kind, JsonElement Options, IReadOnlyList<(string Name, Tensor Tensor)> Tensors,
    Dictionary<string, ulong[]> Rng, Dictionary<string, long> Counters, JsonElement History, EpochProgress? Progress = null);

/// <summary>
/// The one checkpoint codec of every run: the metadata and the named tensors in a <see cref="TensorArchive"/>.
/// Loading checks, before anything is touched, that the checkpoint is of this run's kind and written with
/// the same options (the resume check of searches and evaluations alike).
/// </summary>
public static class RunCheckpoint
{
    public const int Format = 2;

    /// <summary>A mid-epoch checkpoint: format 2 plus <see cref="CheckpointMetadata.Progress"/>; a version that reads only 2 refuses it rather than resume it as an epoch boundary.</summary>
    public const int MidEpochFormat = 3;

    public static byte[] Serialize(int epoch, CheckpointState state) => TensorArchive.Serialize(new CheckpointMetadata
    {
        Format = state.Progress is null ? Format : MidEpochFormat,
        Kind = state.Kind,
        Epoch = epoch,
        Options = state.Options,
        Rng = state.Rng,
        Counters = state.Counters,
        History = state.History,
        Progress = state.Progress,
        Written = DateTimeOffset.UtcNow,
    }, state.Tensors);

    /// <summary>Restores <paramref name="into"/>'s tensors in place; returns the metadata (its generators, counters and history for the run to take).</summary>
    /// <exception cref="InvalidDataException">the bytes are not a whole checkpoint (checksum, truncation).</exception>
    /// <exception cref="SearchConfigException">the checkpoint is whole but belongs to another kind of run, another version or other options.</exception>
    public static CheckpointMetadata Load(byte[] bytes, string name, CheckpointState into)
    {
        var (metaJson, tensors) = TensorArchive.Parse(bytes, name);
        try
        {
            CheckpointMetadata meta;
            try
            {
                meta = metaJson.Deserialize<CheckpointMetadata>(Json.Line) ?? throw new InvalidDataException($"{name}: checkpoint has no metadata");
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{name}: unreadable checkpoint metadata ({ex.Message})", ex);
            }
            if (meta.Format is not (Format or MidEpochFormat) || (meta.Format == MidEpochFormat) != (meta.Progress is not null))
                throw new SearchConfigException($"{name} was written by another SingleDarts version (checkpoint format {meta.Format}, this version reads {Format} and {MidEpochFormat}): finish that run with the version that started it");
            if (meta.Kind != into.Kind)
                throw new SearchConfigException($"{name} holds {Article(meta.Kind)}, not {Article(into.Kind)}");
            var differences = Differences(meta.Options, into.Options);
            if (differences.Count > 0)
                throw new SearchConfigException($"{name} was written with other options: {string.Join(", ", differences)}");
            using (no_grad())
                foreach (var (tensorName, target) in into.Tensors)
                {
                    if (!tensors.TryGetValue(tensorName, out var source) || !source.shape.SequenceEqual(target.shape))
                        throw new SearchConfigException($"{name}: tensor '{tensorName}' is missing or has another shape");
                    target.copy_(source);
                }
            return meta;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static string Article(string kind) => kind == "evaluation" ? "an evaluation" : $"a {kind}";

    /// <summary>Options that differ, as "name: checkpoint → now".</summary>
    private static List<string> Differences(JsonElement saved, JsonElement now)
    {
        var diffs = new List<string>();
        Compare(saved, now, "", diffs);
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
            foreach (var q in b.EnumerateObject().Where(q => !a.TryGetProperty(q.Name, out _)))
                diffs.Add($"{prefix}{q.Name}: (absent) → {q.Value}");
            return;
        }
        if (a.GetRawText() != b.GetRawText()) diffs.Add($"{prefix.TrimEnd('.')}: {a.GetRawText()} → {b.GetRawText()}");
    }
}
