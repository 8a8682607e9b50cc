using SingleDarts.Search.Data;
using SingleDarts.Search.Strategies;
using static TorchSharp.torch;

namespace SingleDarts.Search.Runs;

/// <summary>
/// A search's held-out images: the end-of-epoch accuracy reads them in large batches, in order; the
/// diagnostics read the same first few batches of the run's batch size every epoch (built once, kept).
/// </summary>
internal sealed class HeldOut : IDisposable
{
    public static readonly HeldOut None = new();
    private readonly Func<BatchLoader>? fixedBatches;
    private readonly List<Batch> kept = [];

    private HeldOut()
    {
        Source = "none";
    }

    public HeldOut(Dataset dataset, ImageSet images, int[] indices, string source, int batchSize, Device device)
    {
        Source = source;
        Count = indices.Length;
        Loader = new BatchLoader(images, indices, Math.Max(batchSize, 256), shuffle: false, augment: false, dataset.Mean, dataset.Std, new Rng(1), device);
        fixedBatches = () => new BatchLoader(images, indices, batchSize, shuffle: false, augment: false, dataset.Mean, dataset.Std, new Rng(1), device);
    }

    /// <summary>train-holdout, test (train portion 1) or none.</summary>
    public string Source { get; }
    public int Count { get; }
    public BatchLoader? Loader { get; }

    /// <summary>The first <paramref name="count"/> batches (fewer when there are fewer images), the same tensors every call.</summary>
    public IReadOnlyList<Batch> Batches(int count)
    {
        if (fixedBatches is null) return [];
        if (kept.Count < count)
        {
            foreach (var b in kept) b.Dispose();
            kept.Clear();
            foreach (var batch in fixedBatches().Epoch().Take(count))
            {
                batch.Images.DetachFromDisposeScope();
                batch.Labels.DetachFromDisposeScope();
                kept.Add(batch);
            }
        }
        return kept.Take(count).ToList();
    }

    public void Dispose()
    {
        foreach (var b in kept) b.Dispose();
        kept.Clear();
    }
}
