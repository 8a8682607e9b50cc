namespace SingleDarts.Search.Data;

/// <summary>
/// Images kept compactly as bytes: image i occupies Pixels[i·3·H·W ..] in channel-major (CHW) order.
/// </summary>
public sealed class ImageSet
{
    public ImageSet(byte[] pixels, int[] labels, int height, int width, IReadOnlyList<string> classNames)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException("image size must be positive");
        if (pixels.Length != (long)labels.Length * 3 * height * width)
            throw new ArgumentException($"{pixels.Length} pixel bytes do not hold {labels.Length} images of 3x{height}x{width}");
        foreach (var l in labels)
            if (l < 0 || l >= classNames.Count) throw new ArgumentException($"label {l} is outside 0..{classNames.Count - 1}");
        Pixels = pixels;
        Labels = labels;
        Height = height;
        Width = width;
        ClassNames = classNames;
    }

    public byte[] Pixels { get; }
    public int[] Labels { get; }
    public int Height { get; }
    public int Width { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int Count => Labels.Length;
    public int Classes => ClassNames.Count;
    public int ImageBytes => 3 * Height * Width;

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * ImageBytes, ImageBytes);

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    public ImageSet Select(IReadOnlyList<int> indices)
    {
        var pixels = new byte[indices.Count * ImageBytes];
        for (var i = 0; i < indices.Count; i++) Image(indices[i]).CopyTo(pixels.AsSpan(i * ImageBytes));
        return new ImageSet(pixels, indices.Select(i => Labels[i]).ToArray(), Height, Width, ClassNames);
    }

    /// <summary>
    /// A class-balanced subset of <paramref name="count"/> images (⌊count/classes⌋ per class, the
    /// remainder to the first classes), drawn and ordered by <paramref name="rng"/>.
    /// </summary>
    /// <param name="option">the option that asked for the subset, and <paramref name="split"/> the split it is drawn from, for the message when it is too small.</param>
    public ImageSet BalancedSubset(int count, Rng rng, string source, string option = "--train-size", string split = "train")
    {
        var byClass = Enumerable.Range(0, Classes).Select(c => new List<int>()).ToArray();
        for (var i = 0; i < Count; i++) byClass[Labels[i]].Add(i);
        var chosen = new List<int>(count);
        for (var c = 0; c < Classes; c++)
        {
            var want = count / Classes + (c < count % Classes ? 1 : 0);
            if (byClass[c].Count < want)
                throw new DataException($"{source}: {option} {count} needs {want} images of class {ClassNames[c]}, the {split} split has {byClass[c].Count}");
            var pool = byClass[c].ToArray();
            rng.Shuffle(pool);
            chosen.AddRange(pool.Take(want));
        }
        var order = chosen.ToArray();
        rng.Shuffle(order);
        return Select(order);
    }

    /// <summary>Per-channel mean and standard deviation of the pixel values scaled to [0, 1].</summary>
    public (float[] Mean, float[] Std) ChannelStatistics()
    {
        var plane = Height * Width;
        var sum = new double[3];
        var sumSq = new double[3];
        for (var i = 0; i < Count; i++)
            for (var c = 0; c < 3; c++)
            {
                var span = Pixels.AsSpan(i * ImageBytes + c * plane, plane);
                long s = 0, s2 = 0;
                foreach (var b in span)
                {
                    s += b;
                    s2 += b * b;
                }
                sum[c] += s;
                sumSq[c] += s2;
            }
        var n = (double)Count * plane;
        var mean = new float[3];
        var std = new float[3];
        for (var c = 0; c < 3; c++)
        {
            var m = sum[c] / n / 255.0;
            var v = sumSq[c] / n / (255.0 * 255.0) - m * m;
            mean[c] = (float)m;
            std[c] = (float)Math.Sqrt(Math.Max(v, 1e-12));
        }
        return (mean, std);
    }
}

/// <summary>A dataset: the training split searched on, an optional test split, and its normalisation.</summary>
/// <param name="Format">synthetic, cifar10, cifar100 or imagefolder.</param>
/// <param name="FromCache">true when the images came from the decoded-dataset cache.</param>
/// <param name="Warning">what loading it skipped and a user should know (told to the run's observer), or null.</param>
public sealed record Dataset(string Name, string Format, ImageSet Train, ImageSet? Test, float[] Mean, float[] Std, bool FromCache = false, string? Warning = null)
{
    public int Classes => Train.Classes;
}
