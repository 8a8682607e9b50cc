using static TorchSharp.torch;

namespace SingleDarts.Search.Nn;

/// <summary>
/// A module whose state_dict names differ from those of the PyTorch reference module it reproduces:
/// it maps paths below it (in its own children's names, one or more segments) to the reference's
/// paths (empty: the segment disappears, as a wrapper the reference does not have). The tensors
/// under a mapped path are named by the module found there, so a mapping such as SepConv's
/// <c>second.depthwise → op.5</c> overrides the inner module's own.
/// </summary>
public interface IReferenceNames
{
    IReadOnlyList<(string Ours, string Reference)> ReferenceNames { get; }
}

/// <summary>One entry of a reference state_dict: its name there, and our tensor (null for a BatchNorm's <c>num_batches_tracked</c>, which we do not keep).</summary>
public sealed record ReferenceEntry(string Name, string Ours, Tensor? Tensor, bool IsBatchCount);

/// <summary>Our module tree's tensors under the names of a PyTorch reference implementation.</summary>
public static class ReferenceStateDict
{
    /// <summary>PyTorch's buffer that counts a BatchNorm's training batches (int64, shape []).</summary>
    public const string BatchCount = "num_batches_tracked";

    /// <summary>
    /// Every parameter and buffer of <paramref name="root"/> in PyTorch's state_dict order (a module's own
    /// parameters, then its buffers, then its children), renamed; each <see cref="BatchNormLayer"/> gets a
    /// <see cref="BatchCount"/> entry after its running statistics, as torch.nn.BatchNorm2d has.
    /// </summary>
    public static IReadOnlyList<ReferenceEntry> Entries(nn.Module root)
    {
        var ours = new List<(string Name, Tensor? Tensor, bool Count)>();
        Collect(root, "", ours);
        return [.. ours.Select(o => new ReferenceEntry(Rename(root, o.Name), o.Name, o.Tensor, o.Count))];
    }

    private static void Collect(nn.Module module, string prefix, List<(string, Tensor?, bool)> into)
    {
        foreach (var (name, p) in module.named_parameters(recurse: false)) into.Add((prefix + name, p, false));
        foreach (var (name, b) in module.named_buffers(recurse: false)) into.Add((prefix + name, b, false));
        if (module is BatchNormLayer) into.Add((prefix + BatchCount, null, true));
        foreach (var (name, child) in module.named_children()) Collect(child, prefix + name + ".", into);
    }

    /// <summary>The reference's name of our tensor <paramref name="name"/> (dotted, relative to <paramref name="root"/>).</summary>
    public static string Rename(nn.Module root, string name) => string.Join('.', Rename(root, name.Split('.')));

    private static IEnumerable<string> Rename(nn.Module module, string[] path)
    {
        if (path.Length == 1) return path;
        if (module is IReferenceNames named)
        {
            var match = named.ReferenceNames
                .Select(m => (m.Reference, Ours: m.Ours.Split('.')))
                .Where(m => m.Ours.Length < path.Length && m.Ours.SequenceEqual(path.Take(m.Ours.Length)))
                .OrderByDescending(m => m.Ours.Length).FirstOrDefault();
            if (match.Ours is not null)
            {
                var below = match.Ours.Aggregate(module, Child);
                var head = match.Reference.Length == 0 ? [] : match.Reference.Split('.');
                return head.Concat(Rename(below, path[match.Ours.Length..]));
            }
        }
        return Rename(Child(module, path[0]), path[1..]).Prepend(path[0]);
    }

    private static nn.Module Child(nn.Module module, string name) =>
        module.named_children().FirstOrDefault(c => c.name == name).module
        ?? throw new InvalidOperationException($"{module.GetName()} has no child module '{name}'");
}
