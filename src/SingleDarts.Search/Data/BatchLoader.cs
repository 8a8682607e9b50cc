using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using SingleDarts.Search.Strategies;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Data;

/// <summary>
/// Batches over a subset of an <see cref="ImageSet"/>: seeded shuffling, random crop with 4 pixels
/// of zero padding and horizontal flip (torchvision's RandomCrop(pad=4) + RandomHorizontalFlip),
/// per-channel normalisation, and optionally cutout (DARTS': a square of side <c>cutout</c> centred on
/// a uniform pixel, clipped at the border, set to 0 after normalisation). All randomness comes from
/// one <see cref="Rng"/>, drawn in a fixed order (the permutation at the start of an epoch, then per
/// image: crop x, crop y, flip, then cutout y, cutout x when cutout is on), so a
/// checkpointed <see cref="RngState"/> reproduces the rest of a run exactly.
/// </summary>
public sealed class BatchLoader
{
    public const int Padding = 4;

    private readonly ImageSet images;
    private readonly int[] indices;
    private readonly float[][] lut;      // byte → normalised value, per channel
    private readonly Device device;
    private readonly Rng rng;

    public BatchLoader(ImageSet images, int[] indices, int batchSize, bool shuffle, bool augment,
        float[] mean, float[] std, Rng rng, Device? device = null, int cutout = 0)
    {
        if (cutout < 0) throw new ArgumentOutOfRangeException(nameof(cutout), "cutout must not be negative");
        Cutout = cutout;
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be positive");
        if (indices.Length == 0) throw new ArgumentException("a loader needs at least one image");
        this.images = images;
        this.indices = indices.ToArray();
        BatchSize = batchSize;
        Shuffle = shuffle;
        Augment = augment;
        this.rng = rng;
        this.device = device ?? CPU;
        lut = Enumerable.Range(0, 3).Select(c =>
            Enumerable.Range(0, 256).Select(v => (float)((v / 255.0 - mean[c]) / std[c])).ToArray()).ToArray();
    }

    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool Augment { get; }
    public int Cutout { get; }
    public int Count => indices.Length;
    public int BatchesPerEpoch => (indices.Length + BatchSize - 1) / BatchSize;

    public ulong[] RngState
    {
        get => rng.State;
        set => rng.State = value;
    }

    /// <summary>
    /// One pass over the subset (the last batch may be smaller). The first <paramref name="skip"/> batches are not
    /// returned, but their random draws are made, so the batches after them are those of a pass that returned all
    /// (a run resumed mid-epoch replays the epoch's data order this way).
    /// </summary>
    public IEnumerable<Batch> Epoch(int skip = 0)
    {
        var order = indices.ToArray();
        if (Shuffle) rng.Shuffle(order);
        for (int start = 0, b = 0; start < order.Length; start += BatchSize, b++)
        {
            var n = Math.Min(BatchSize, order.Length - start);
            if (b < skip) SkipDraws(n);
            else yield return Make(order.AsSpan(start, n).ToArray());
        }
    }

    /// <summary>
    /// Exactly <paramref name="count"/> batches, starting a new shuffled epoch whenever one runs out
    /// (and only then: no draw is made for a batch that is not returned); the first <paramref name="skip"/>
    /// count but are only drawn, not returned (see <see cref="Epoch"/>).
    /// </summary>
    public IEnumerable<Batch> Cycle(int count, int skip = 0)
    {
        var passed = 0;
        while (passed < count)
        {
            var skipHere = Math.Clamp(skip - passed, 0, BatchesPerEpoch);
            passed += skipHere;
            using var epoch = Epoch(skipHere).GetEnumerator();
            var any = skipHere > 0;
            // a pass skipped whole still makes its draws: MoveNext runs it to its end
            while ((passed < count || skipHere == BatchesPerEpoch) && epoch.MoveNext())
            {
                any = true;
                passed++;
                yield return epoch.Current;
            }
            if (!any) throw new InvalidOperationException("the loader is empty");
        }
    }

    /// <summary>The draws <see cref="Make"/> makes for <paramref name="n"/> images, in its order, without the images.</summary>
    private void SkipDraws(int n)
    {
        for (var i = 0; i < n; i++)
        {
            if (Augment)
            {
                rng.NextInt(2 * Padding + 1);
                rng.NextInt(2 * Padding + 1);
                rng.NextBool();
            }
            if (Cutout > 0)
            {
                rng.NextInt(images.Height);
                rng.NextInt(images.Width);
            }
        }
    }

    private Batch Make(int[] batchIndices)
    {
        int h = images.Height, w = images.Width, plane = h * w, n = batchIndices.Length;
        var data = new float[n * 3 * plane];
        var labels = new long[n];
        for (var b = 0; b < n; b++)
        {
            var idx = batchIndices[b];
            labels[b] = images.Labels[idx];
            int dx = 0, dy = 0;
            var flip = false;
            if (Augment)
            {
                dx = rng.NextInt(2 * Padding + 1) - Padding;
                dy = rng.NextInt(2 * Padding + 1) - Padding;
                flip = rng.NextBool();
            }
            var src = images.Image(idx);
            var dst = data.AsSpan(b * 3 * plane, 3 * plane);
            for (var c = 0; c < 3; c++)
            {
                var table = lut[c];
                var pad = table[0];
                for (var y = 0; y < h; y++)
                {
                    var sy = y + dy;
                    var row = dst.Slice(c * plane + y * w, w);
                    if (sy < 0 || sy >= h)
                    {
                        row.Fill(pad);
                        continue;
                    }
                    var srcRow = src.Slice(c * plane + sy * w, w);
                    for (var x = 0; x < w; x++)
                    {
                        var sx = (flip ? w - 1 - x : x) + dx;
                        row[x] = sx < 0 || sx >= w ? pad : table[srcRow[sx]];
                    }
                }
            }
            if (Cutout > 0)
            {
                int cy = rng.NextInt(h), cx = rng.NextInt(w);
                int y1 = Math.Clamp(cy - Cutout / 2, 0, h), y2 = Math.Clamp(cy + Cutout / 2, 0, h);
                int x1 = Math.Clamp(cx - Cutout / 2, 0, w), x2 = Math.Clamp(cx + Cutout / 2, 0, w);
                for (var c = 0; c < 3; c++)
                    for (var y = y1; y < y2; y++)
                        dst.Slice(c * plane + y * w + x1, x2 - x1).Clear();
            }
        }
        var imagesTensor = empty([n, 3, h, w], ScalarType.Float32);
        imagesTensor.bytes = MemoryMarshal.AsBytes(data.AsSpan());
        var labelsTensor = tensor(labels);
        if (device.type != DeviceType.CPU)
        {
            using (imagesTensor)
            using (labelsTensor)
                return new Batch(imagesTensor.to(device), labelsTensor.to(device));
        }
        return new Batch(imagesTensor, labelsTensor);
    }
}

/// <summary>
/// Makes batches on a background thread, up to <c>depth</c> ahead of the step that takes them, so
/// that a step never waits for augmentation and batching. The batches and the generator draws are
/// exactly those of enumerating <c>batches</c> in place: one producer, in order. The sequence must
/// be finite and fully taken (an epoch, or <see cref="BatchLoader.Cycle"/>), so that how far the
/// producer runs ahead never changes what is drawn.
/// </summary>
public sealed class PrefetchingSource : IBatchSource, IDisposable
{
    private readonly BlockingCollection<Batch> queue;
    private readonly CancellationTokenSource stop = new();
    private readonly Task producer;
    private Exception? failure;

    public PrefetchingSource(IEnumerable<Batch> batches, int depth = 2)
    {
        queue = new BlockingCollection<Batch>(depth);
        producer = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var batch in batches)
                {
                    try
                    {
                        queue.Add(batch, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        batch.Dispose();
                        return;
                    }
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            finally
            {
                queue.CompleteAdding();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Batches taken so far.</summary>
    public int Pulled { get; private set; }

    public Batch Next()
    {
        if (queue.TryTake(out var batch, Timeout.Infinite))
        {
            Pulled++;
            return batch;
        }
        if (failure is not null) throw new InvalidOperationException($"making a batch failed: {failure.Message}", failure);
        throw new InvalidOperationException("no more batches");
    }

    public void Dispose()
    {
        stop.Cancel();
        producer.Wait();
        while (queue.TryTake(out var left)) left.Dispose();
        queue.Dispose();
        stop.Dispose();
    }
}
