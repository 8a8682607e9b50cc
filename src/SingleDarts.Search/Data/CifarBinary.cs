namespace SingleDarts.Search.Data;

/// <summary>
/// CIFAR-10 and CIFAR-100 in their official binary layouts. A record is the label byte(s) then
/// 3072 pixel bytes — the red, green and blue 32×32 planes, i.e. already CHW.
/// CIFAR-10 (<c>cifar-10-batches-bin/</c>): 1 label byte, files data_batch_1..5.bin and test_batch.bin.
/// CIFAR-100 (<c>cifar-100-binary/</c>): coarse then fine label byte (the fine label is used),
/// files train.bin and test.bin.
/// </summary>
public static class CifarBinary
{
    public const int Side = 32, PixelBytes = 3 * Side * Side;

    public static readonly string[] Cifar10Classes =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    public static readonly string[] Cifar10Train = [.. Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin")];
    public const string Cifar10Test = "test_batch.bin";
    public const string Cifar100Train = "train.bin", Cifar100Test = "test.bin", Cifar100Names = "fine_label_names.txt";

    /// <param name="files">file name (without folders) → contents, as found in the folder or archive.</param>
    /// <param name="source">the folder or archive, for messages.</param>
    public static (ImageSet Train, ImageSet? Test) ReadCifar10(IReadOnlyDictionary<string, byte[]> files, string source)
    {
        foreach (var name in Cifar10Train)
            if (!files.ContainsKey(name)) throw new DataException($"{source}: CIFAR-10 file {name} is missing");
        var train = Read(Cifar10Train.Select(n => (n, files[n])), 1, 0, 10, Cifar10Classes, source);
        var test = files.TryGetValue(Cifar10Test, out var t) ? Read([(Cifar10Test, t)], 1, 0, 10, Cifar10Classes, source) : null;
        return (train, test);
    }

    public static (ImageSet Train, ImageSet? Test) ReadCifar100(IReadOnlyDictionary<string, byte[]> files, string source)
    {
        if (!files.TryGetValue(Cifar100Train, out var trainBytes)) throw new DataException($"{source}: CIFAR-100 file {Cifar100Train} is missing");
        var names = files.TryGetValue(Cifar100Names, out var text)
            ? System.Text.Encoding.ASCII.GetString(text).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        var classes = names.Length == 100 ? names : Enumerable.Range(0, 100).Select(i => $"class{i:D2}").ToArray();
        var train = Read([(Cifar100Train, trainBytes)], 2, 1, 100, classes, source);
        var test = files.TryGetValue(Cifar100Test, out var t) ? Read([(Cifar100Test, t)], 2, 1, 100, classes, source) : null;
        return (train, test);
    }

    private static ImageSet Read(IEnumerable<(string Name, byte[] Data)> files, int labelBytes, int labelOffset, int classes,
        string[] classNames, string source)
    {
        var record = labelBytes + PixelBytes;
        var parts = files.ToList();
        foreach (var (name, data) in parts)
            if (data.Length == 0 || data.Length % record != 0)
                throw new DataException($"{source}: {name} has {data.Length} bytes, not a whole number of {record}-byte records (truncated or not this format)");
        var count = parts.Sum(p => p.Data.Length / record);
        var pixels = new byte[count * PixelBytes];
        var labels = new int[count];
        var i = 0;
        foreach (var (name, data) in parts)
            for (var r = 0; r < data.Length / record; r++, i++)
            {
                var at = r * record;
                for (var b = 0; b < labelBytes; b++)
                {
                    var limit = labelBytes == 2 && b == 0 ? 20 : classes; // CIFAR-100's coarse label has 20 values
                    if (data[at + b] >= limit)
                        throw new DataException($"{source}: {name} record {r}: label byte {data[at + b]} is out of range 0..{limit - 1}");
                }
                labels[i] = data[at + labelOffset];
                Buffer.BlockCopy(data, at + labelBytes, pixels, i * PixelBytes, PixelBytes);
            }
        return new ImageSet(pixels, labels, Side, Side, classNames);
    }
}
