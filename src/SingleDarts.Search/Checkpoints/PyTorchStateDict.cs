using System.Collections;
using System.Collections.Specialized;
using SingleDarts.Search.Nn;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SingleDarts.Search.Checkpoints;

/// <summary>
/// A network's weights and BatchNorm statistics as a PyTorch state_dict file (<c>torch.save(model.state_dict())</c>'s
/// zip format, through TorchSharp.PyBridge), under the names of the reference implementation it reproduces
/// (<see cref="ReferenceStateDict"/>), so that <c>model.load_state_dict(torch.load(path))</c> works on the reference
/// model; and such a file read back into our network.
/// </summary>
public static class PyTorchStateDict
{
    /// <summary>
    /// Writes <paramref name="network"/>'s state_dict to <paramref name="path"/> atomically (a temporary file, renamed).
    /// BatchNorm's <c>num_batches_tracked</c>, which our layers do not keep (their momentum is fixed), is written as
    /// <paramref name="batchesTracked"/>: the training steps the network took.
    /// </summary>
    /// <returns>the number of entries written.</returns>
    public static int Write(nn.Module network, long batchesTracked, string path)
    {
        var entries = ReferenceStateDict.Entries(network);
        var full = Path.GetFullPath(path);
        var temporary = full + ".tmp";
        using (var scope = NewDisposeScope())
        {
            var dict = new OrderedDictionary(entries.Count);
            foreach (var e in entries)
                dict.Add(e.Name, e.IsBatchCount ? tensor(batchesTracked) : e.Tensor!.detach().cpu().contiguous());
            using var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write);
            PyTorchPickler.PickleStateDict(stream, dict, leaveOpen: true);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, full, overwrite: true);
        return entries.Count;
    }

    /// <summary>
    /// Copies a state_dict file's tensors into <paramref name="network"/>'s parameters and buffers. Every name the
    /// network has must be in the file with its shape, and the file may hold no other (its <c>num_batches_tracked</c>
    /// are accepted and not kept); otherwise nothing is copied and the first problem is reported, naming the key.
    /// </summary>
    /// <exception cref="SearchConfigException">the file is not a state_dict, or does not fit the network.</exception>
    public static void Read(nn.Module network, string path, string option = "--init-from")
    {
        Hashtable loaded;
        try
        {
            using var stream = File.OpenRead(path);
            loaded = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or NotImplementedException or InvalidCastException or Razorvine.Pickle.PickleException)
        {
            throw new SearchConfigException($"{option} {path}: not a readable PyTorch state_dict file ({ex.Message})");
        }
        var tensors = loaded.Cast<DictionaryEntry>().Where(e => e.Value is Tensor).ToDictionary(e => e.Key.ToString()!, e => (Tensor)e.Value!);
        try
        {
            var entries = ReferenceStateDict.Entries(network);
            var problems = Problems(entries, tensors, loaded.Count - tensors.Count).ToList();
            if (problems.Count > 0)
                throw new SearchConfigException($"{option} {path} does not fit the genotype's network: {problems[0]}" +
                                                (problems.Count > 1 ? $" (and {problems.Count - 1} more problems)" : ""));
            using (no_grad())
                foreach (var e in entries.Where(e => !e.IsBatchCount))
                    e.Tensor!.copy_(tensors[e.Name]);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static IEnumerable<string> Problems(IReadOnlyList<ReferenceEntry> entries, Dictionary<string, Tensor> file, int notTensors)
    {
        if (notTensors > 0) yield return $"{notTensors} entries are not tensors";
        foreach (var e in entries)
        {
            if (!file.TryGetValue(e.Name, out var t))
            {
                if (!e.IsBatchCount) yield return $"key '{e.Name}' is missing";
                continue;
            }
            if (e.IsBatchCount)
            {
                if (t.numel() != 1 || t.dtype is not (ScalarType.Int64 or ScalarType.Int32)) yield return $"key '{e.Name}' is not one integer";
                continue;
            }
            if (!t.shape.SequenceEqual(e.Tensor!.shape))
                yield return $"key '{e.Name}' has shape [{string.Join(", ", t.shape)}], the network's is [{string.Join(", ", e.Tensor.shape)}]";
            else if (!t.is_floating_point()) yield return $"key '{e.Name}' holds {t.dtype}, not floating-point numbers";
        }
        var known = entries.Select(e => e.Name).ToHashSet();
        foreach (var name in file.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal))
            yield return $"unexpected key '{name}'";
    }
}
