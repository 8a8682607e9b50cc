using System.Collections;
using System.Globalization;
using SingleDarts.Search.Data.Pickles;

namespace SingleDarts.Search.Data;

/// <summary>
/// ImageNet16-120, NAS-Bench-201's third dataset, from the downsampled ImageNet 16×16 release (Chrabaszcz, Loshchilov
/// and Hutter, "A Downsampled Variant of ImageNet as an Alternative to the CIFAR datasets", 2017) as published:
/// Python-pickled dicts <c>train_data_batch_1</c> … <c>train_data_batch_10</c> and <c>val_data</c>, each with 'data' (a
/// uint8 numpy array, one row of 768 bytes per image: the 16×16 red, green and blue planes, i.e. CHW as CIFAR's
/// binaries) and 'labels' (ints 1–1000); the training batches also hold 'mean' (float64, not used).
/// </summary>
/// <remarks>
/// As NAS-Bench-201 builds it (D-X-Y/AutoDL-Projects, xautodl/datasets/DownsampledImageNet.py, class ImageNet16 with
/// use_num_of_class_only=120, and xautodl/datasets/get_dataset_with_transform.py, get_datasets("ImageNet16-120")):
/// the training batches in the order 1…10 then filtered to the images whose label L satisfies 1 ≤ L ≤ 120, in file
/// order, the class index being L − 1; the same filter on val_data. That reference asserts 151,700 training and
/// 6,000 validation images after the filter, of 1,281,167 and 50,000 (the NAS-Bench-201 paper, ICLR 2020, §2.2:
/// 151.7K training images and the 6,000 split into 3K validation and 3K test; docs/data.md compares that split with
/// ours, which cuts the training images by --train-portion as for CIFAR and tests on all 6,000). The release's generator
/// (PatrykChrabaszcz/Imagenet32_Scripts, image2numpy_imagenet_train.py) shuffles the training images before cutting
/// them into 10 files of ⌊1,281,167 / 10⌋ = 128,116 (the last 128,123), so the file order is already mixed, as CIFAR's.
/// </remarks>
public static class ImageNet16
{
    public const int Side = 16, RowBytes = 3 * Side * Side, Classes = 120, ReleaseClasses = 1000;

    public static readonly IReadOnlyList<string> TrainFiles = [.. Enumerable.Range(1, 10).Select(i => $"train_data_batch_{i}")];
    public const string ValFile = "val_data";
    public static readonly IReadOnlyList<string> Files = [.. TrainFiles, ValFile];

    /// <summary>Images in the release, and of its first 120 classes (NATS-Bench's figures).</summary>
    public const int ReleaseTrain = 1_281_167, ReleaseVal = 50_000, Train120 = 151_700, Val120 = 6_000;

    /// <summary>Images per training file as the release's generator cuts them (the last file takes the remainder).</summary>
    public static int ReleaseRows(string trainFile) =>
        trainFile == TrainFiles[^1] ? ReleaseTrain - 9 * (ReleaseTrain / 10) : ReleaseTrain / 10;

    /// <summary>Class i is the release's label i + 1 (label001 … label120; ImageNet's class order, map_clsloc.txt).</summary>
    public static readonly IReadOnlyList<string> ClassNames =
        [.. Enumerable.Range(1, Classes).Select(l => "label" + l.ToString("D3", CultureInfo.InvariantCulture))];

    public static bool IsFile(string name) => name == ValFile || TrainFiles.Contains(name);

    /// <summary>One file decoded: how many images it holds, and its images of the first 120 classes (labels 0-based).</summary>
    public sealed record Part(string Name, int Rows, byte[] Pixels, int[] Labels)
    {
        public int Kept => Labels.Length;
    }

    /// <summary>Decodes one pickled file and keeps the first 120 classes.</summary>
    /// <param name="source">the folder or archive, for messages.</param>
    public static Part Read(string name, byte[] bytes, string source)
    {
        var where = $"{source}: {name}";
        var dict = PickleFile.LoadDict(bytes, where);
        if (dict["data"] is not NumpyArray data)
            throw new DataException($"{where}: no 'data' array (keys: {Keys(dict)}); not a downsampled-ImageNet batch");
        if (data.DType.Code != "u1" || data.Shape.Length != 2 || data.Shape[1] != RowBytes)
            throw new DataException($"{where}: 'data' is a {data.DType.Code} array of shape ({string.Join(", ", data.Shape)}), not rows of {RowBytes} bytes " +
                $"(16×16 RGB){(data.Shape is [_, 3072 or 12288] ? "; this looks like the 32×32 or 64×64 release: ImageNet16-120 is the 16×16 one" : "")}");
        var rows = (int)data.Rows;
        if (dict["labels"] is not IList labels)
            throw new DataException($"{where}: no 'labels' list (keys: {Keys(dict)})");
        if (labels.Count != rows) throw new DataException($"{where}: {labels.Count:N0} labels for {rows:N0} images");

        var kept = new List<int>();
        for (var r = 0; r < rows; r++)
        {
            var label = labels[r] switch
            {
                int i => (long)i,
                long l => l,
                var other => throw new DataException($"{where}: label {r} is {NumpyArray.Describe(other)}, not an integer"),
            };
            if (label is < 1 or > ReleaseClasses) throw new DataException($"{where}: label {r} is {label}, outside 1..{ReleaseClasses}");
            if (label <= Classes) kept.Add(r);
        }
        var pixels = new byte[kept.Count * RowBytes];
        var keptLabels = new int[kept.Count];
        for (var k = 0; k < kept.Count; k++)
        {
            Buffer.BlockCopy(data.Data, kept[k] * RowBytes, pixels, k * RowBytes, RowBytes);
            keptLabels[k] = Convert.ToInt32(labels[kept[k]], CultureInfo.InvariantCulture) - 1;
        }
        return new Part(name, rows, pixels, keptLabels);
    }

    /// <summary>The training images of the first 120 classes in file order (batches 1…10), and val_data's as the test split when present.</summary>
    public static (ImageSet Train, ImageSet? Test) Assemble(IReadOnlyDictionary<string, Part> parts, string source)
    {
        var missing = TrainFiles.Where(f => !parts.ContainsKey(f)).ToList();
        if (missing.Count > 0) throw new DataException($"{source}: ImageNet16 {(missing.Count == 1 ? "file" : "files")} {string.Join(", ", missing)} missing");
        var train = Concat(TrainFiles.Select(f => parts[f]).ToList());
        var test = parts.TryGetValue(ValFile, out var val) ? Concat([val]) : null;
        if (train.Count == 0) throw new DataException($"{source}: the ImageNet16 training files hold no image of the first {Classes} classes");
        return (train, test is { Count: > 0 } ? test : null);
    }

    private static ImageSet Concat(IReadOnlyList<Part> parts)
    {
        var pixels = new byte[parts.Sum(p => (long)p.Pixels.Length)];
        var labels = new int[parts.Sum(p => p.Kept)];
        long at = 0;
        var i = 0;
        foreach (var p in parts)
        {
            Array.Copy(p.Pixels, 0, pixels, at, p.Pixels.Length);
            p.Labels.CopyTo(labels, i);
            at += p.Pixels.Length;
            i += p.Kept;
        }
        return new ImageSet(pixels, labels, Side, Side, ClassNames);
    }

    /// <summary>The dict's keys for a message, at most 8 of them.</summary>
    private static string Keys(Hashtable dict)
    {
        var names = dict.Keys.Cast<object>().Select(k => k is string s ? IO.InputLimits.Quote(s, 30) : NumpyArray.Describe(k)).Order(StringComparer.Ordinal).ToList();
        return names.Count <= 8 ? string.Join(", ", names) : string.Join(", ", names.Take(8)) + $", … ({names.Count:N0} in all)";
    }
}
