using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using SingleDarts.Search.Data;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Tests;
using StbImageWriteSharp;

namespace SingleDarts.Search.Tests;

/// <summary>Small datasets and tables written on the fly, in the official layouts.</summary>
internal static class Fixtures
{
    /// <summary>Pixel value of image i, channel c, position p in a CIFAR fixture (deterministic, varied).</summary>
    public static byte Pixel(int i, int c, int p) => (byte)((i * 31 + c * 7 + p * 3) % 251);

    /// <summary>cifar-10-batches-bin/ with 5 train batches of <paramref name="perBatch"/> records and a test batch.</summary>
    public static string Cifar10Folder(int perBatch = 4, int test = 3)
    {
        var root = Path.Combine(Tiny.TempDir(), "cifar-10-batches-bin");
        Directory.CreateDirectory(root);
        var i = 0;
        for (var b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(root, $"data_batch_{b}.bin"), Records(ref i, perBatch, 1, k => [(byte)(k % 10)]));
        File.WriteAllBytes(Path.Combine(root, "test_batch.bin"), Records(ref i, test, 1, k => [(byte)(k % 10)]));
        return root;
    }

    public static string Cifar100Folder(int train = 12, int test = 4)
    {
        var root = Path.Combine(Tiny.TempDir(), "cifar-100-binary");
        Directory.CreateDirectory(root);
        var i = 0;
        File.WriteAllBytes(Path.Combine(root, "train.bin"), Records(ref i, train, 2, k => [(byte)(k % 20), (byte)(k * 7 % 100)]));
        File.WriteAllBytes(Path.Combine(root, "test.bin"), Records(ref i, test, 2, k => [(byte)(k % 20), (byte)(k * 7 % 100)]));
        return root;
    }

    public static byte[] Records(ref int i, int count, int labelBytes, Func<int, byte[]> labels)
    {
        var data = new byte[count * (labelBytes + 3072)];
        for (var r = 0; r < count; r++, i++)
        {
            var at = r * (labelBytes + 3072);
            labels(i).CopyTo(data, at);
            for (var c = 0; c < 3; c++)
                for (var p = 0; p < 1024; p++) data[at + labelBytes + c * 1024 + p] = Pixel(i, c, p);
        }
        return data;
    }

    /// <summary>ROOT/{train,test}/&lt;class&gt;/NNNN.png, images of <paramref name="size"/> whose pixels encode class, index and position.</summary>
    public static string ImageFolder(string[] classes, int perClass, int size = 8, string extension = "png", int testPerClass = 1)
    {
        var root = Path.Combine(Tiny.TempDir(), "images");
        foreach (var (split, n) in new[] { ("train", perClass), ("test", testPerClass) })
            for (var c = 0; c < classes.Length; c++)
            {
                var dir = Path.Combine(root, split, classes[c]);
                Directory.CreateDirectory(dir);
                for (var k = 0; k < n; k++)
                    File.WriteAllBytes(Path.Combine(dir, $"{k:D4}.{extension}"), Encode(ImagePixels(c, k, size), size, size, extension));
            }
        return root;
    }

    /// <summary>HWC RGB pixels of image k of class c.</summary>
    public static byte[] ImagePixels(int c, int k, int size)
    {
        var hwc = new byte[size * size * 3];
        for (var p = 0; p < size * size; p++)
        {
            hwc[3 * p] = (byte)(40 * c + 5);
            hwc[3 * p + 1] = (byte)(10 * k + 3);
            hwc[3 * p + 2] = (byte)(p % 256);
        }
        return hwc;
    }

    public static byte[] Encode(byte[] hwc, int width, int height, string extension)
    {
        using var ms = new MemoryStream();
        var writer = new ImageWriter();
        switch (extension)
        {
            case "png": writer.WritePng(hwc, width, height, StbImageWriteSharp.ColorComponents.RedGreenBlue, ms); break;
            case "bmp": writer.WriteBmp(hwc, width, height, StbImageWriteSharp.ColorComponents.RedGreenBlue, ms); break;
            case "jpg": writer.WriteJpg(hwc, width, height, StbImageWriteSharp.ColorComponents.RedGreenBlue, ms, 95); break;
            default: throw new ArgumentException(extension);
        }
        return ms.ToArray();
    }

    /// <summary>Packs a folder into .tar or .tar.gz, entries under the folder's own name.</summary>
    public static string Pack(string folder, bool gzip)
    {
        var path = Path.Combine(Tiny.TempDir(), Path.GetFileName(folder) + (gzip ? ".tar.gz" : ".tar"));
        using var file = File.Create(path);
        using Stream stream = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        TarFile.CreateFromDirectory(folder, stream, includeBaseDirectory: true);
        return path;
    }

    /// <summary>A complete NB201-shaped table (see <see cref="TinySearch.Nb201Table"/>).</summary>
    public static string Nb201Table(Func<Genotype, double>? cifar10 = null, Action<List<string>>? edit = null) =>
        TinySearch.Nb201Table(cifar10, edit);
}
