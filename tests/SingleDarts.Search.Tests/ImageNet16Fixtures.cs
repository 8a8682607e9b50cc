using SingleDarts.Search.Data;

namespace SingleDarts.Search.Tests;

/// <summary>Tiny copies of the downsampled ImageNet 16×16 release, in its format (<see cref="PickleWriter"/>).</summary>
internal static class ImageNet16Fixtures
{
    /// <summary>The labels (1-based, as in the release) image i gets, in turn: some of the first 120 classes, some beyond.</summary>
    public static readonly int[] LabelCycle = [1, 121, 2, 1000, 120, 3, 240, 60];

    public static int Label(int i) => LabelCycle[i % LabelCycle.Length];

    /// <summary>Pixel of image i (counted over all files in order), channel c, position p = 16·y + x.</summary>
    public static byte Pixel(int i, int c, int p) => (byte)((i * 31 + c * 7 + p * 3) % 251);

    /// <summary>Rows of images <paramref name="first"/> … first + count − 1, each the R, G, B planes.</summary>
    public static byte[] Rows(int first, int count)
    {
        var data = new byte[count * ImageNet16.RowBytes];
        for (var r = 0; r < count; r++)
            for (var c = 0; c < 3; c++)
                for (var p = 0; p < 256; p++) data[r * ImageNet16.RowBytes + c * 256 + p] = Pixel(first + r, c, p);
        return data;
    }

    /// <summary>A training batch as the release writes it: data, labels, and the mean image (float64).</summary>
    public static byte[] TrainBatch(int first, int count, Func<int, int>? label = null, bool python2 = false)
    {
        var rows = Rows(first, count);
        var mean = new double[ImageNet16.RowBytes];
        for (var j = 0; j < mean.Length; j++)
        {
            long sum = 0;
            for (var r = 0; r < count; r++) sum += rows[r * ImageNet16.RowBytes + j];
            mean[j] = sum / (double)count;
        }
        return PickleWriter.Dict(
            [("data", NdArray.UInt8(rows, count, ImageNet16.RowBytes)), ("labels", Labels(first, count, label)), ("mean", NdArray.Float64(mean))], python2);
    }

    /// <summary>val_data as the release writes it: data and labels.</summary>
    public static byte[] ValBatch(int first, int count, Func<int, int>? label = null, bool python2 = false) =>
        PickleWriter.Dict([("data", NdArray.UInt8(Rows(first, count), count, ImageNet16.RowBytes)), ("labels", Labels(first, count, label))], python2);

    private static long[] Labels(int first, int count, Func<int, int>? label) =>
        [.. Enumerable.Range(first, count).Select(i => (long)(label ?? Label)(i))];

    /// <summary>
    /// A folder ImageNet16/ with train_data_batch_1..10 of <paramref name="perBatch"/> images each (numbered on through
    /// the files) and val_data of <paramref name="val"/> (numbered after them).
    /// </summary>
    public static string Folder(int perBatch = 8, int val = 8, Func<int, int>? label = null, string? root = null)
    {
        var folder = Path.Combine(root ?? Tiny.TempDir(), "ImageNet16");
        Directory.CreateDirectory(folder);
        for (var b = 0; b < 10; b++)
            File.WriteAllBytes(Path.Combine(folder, ImageNet16.TrainFiles[b]), TrainBatch(b * perBatch, perBatch, label));
        File.WriteAllBytes(Path.Combine(folder, ImageNet16.ValFile), ValBatch(10 * perBatch, val, label));
        return folder;
    }

    /// <summary>How many of images first … first + count − 1 are of the first 120 classes.</summary>
    public static int Kept(int first, int count, Func<int, int>? label = null) =>
        Enumerable.Range(first, count).Count(i => (label ?? Label)(i) <= 120);
}
