namespace SingleDarts.Search.Data;

/// <summary>Dataset formats <c>--data</c> understands.</summary>
public static class DataFormats
{
    public const string Auto = "auto", Synthetic = "synthetic", Cifar10 = "cifar10", Cifar100 = "cifar100", ImageFolder = "imagefolder",
        ImageNet16 = "imagenet16-120";

    public static readonly IReadOnlyList<string> All = [Auto, Synthetic, Cifar10, Cifar100, ImageNet16, ImageFolder];
}

/// <summary>
/// Reads a dataset from a folder or an archive — CIFAR-10/100 binaries, ImageNet16-120's pickled batches or an image folder,
/// detected from the file names unless a format is forced — into uint8 <see cref="ImageSet"/>s,
/// through the <see cref="DatasetCache"/>.
/// </summary>
public static class DatasetLoader
{
    /// <param name="Warning">one line about the source worth a user's attention (archive entries skipped), or null.</param>
    public sealed record Loaded(string Format, ImageSet Train, ImageSet? Test, bool FromCache, string? Warning = null);

    /// <param name="size">target image side (area resampling); null keeps the source size.</param>
    public static Loaded Load(string source, string format, int? size, DatasetCache cache)
    {
        if (!File.Exists(source) && !Directory.Exists(source)) throw new DataException($"{source}: no such file or folder");
        var cachePath = cache.PathFor(source, $"{format}|{size}");
        if (cache.TryRead(cachePath) is { } cached) return new Loaded(cached.Format, cached.Train, cached.Test, FromCache: true);

        var cifar = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var imageNet16 = new Dictionary<string, ImageNet16.Part>(StringComparer.Ordinal);
        var entries = new List<(string, byte[]?)>();
        var skipped = new ArchiveReader.SkippedEntries();
        foreach (var (path, data) in ArchiveReader.Entries(source, Wanted, skipped))
        {
            var name = path[(path.LastIndexOf('/') + 1)..];
            if (data is not null && ImageNet16.IsFile(name) && format is DataFormats.Auto or DataFormats.ImageNet16)
            {
                // decoded at once and filtered to 120 classes, so one raw batch (~100 MB) is held at a time, not all ten
                if (imageNet16.ContainsKey(name)) throw new DataException($"{source}: {name} appears twice");
                imageNet16[name] = ImageNet16.Read(name, data, source);
            }
            else if (data is not null && IsCifarFile(name))
            {
                if (!cifar.TryAdd(name, data)) throw new DataException($"{source}: {name} appears twice");
            }
            else
            {
                entries.Add((path, data));
            }
        }

        var detected = format != DataFormats.Auto ? format
            : cifar.ContainsKey(CifarBinary.Cifar10Train[0]) ? DataFormats.Cifar10
            : cifar.ContainsKey(CifarBinary.Cifar100Train) ? DataFormats.Cifar100
            : imageNet16.ContainsKey(ImageNet16.TrainFiles[0]) ? DataFormats.ImageNet16
            : entries.Any(e => e.Item2 is not null && ImageFolder.Locate(e.Item1) is not null) ? DataFormats.ImageFolder
            : throw new DataException($"{source}: neither CIFAR binaries (data_batch_1.bin, train.bin), ImageNet16 batches (train_data_batch_1) nor an image folder (train/<class>/<image>) found; pass --data-format to say which it is");

        var (train, test) = detected switch
        {
            DataFormats.Cifar10 => CifarBinary.ReadCifar10(cifar, source),
            DataFormats.Cifar100 => CifarBinary.ReadCifar100(cifar, source),
            DataFormats.ImageNet16 => ImageNet16.Assemble(imageNet16, source),
            DataFormats.ImageFolder => ImageFolder.Read(entries, source, size),
            _ => throw new DataException($"--data-format {detected} cannot be read from {source}"),
        };
        if (size is { } s && (train.Height != s || train.Width != s))
        {
            train = ResizeAll(train, s);
            test = test is null ? null : ResizeAll(test, s);
        }
        cache.Write(cachePath, Path.GetFullPath(source), detected, train, test);
        return new Loaded(detected, train, test, FromCache: false, skipped.Describe(source));

        static bool Wanted(string path)
        {
            var name = path[(path.LastIndexOf('/') + 1)..];
            return IsCifarFile(name) || ImageNet16.IsFile(name) || (ImageFolder.IsImage(path) && ImageFolder.Locate(path) is not null);
        }
    }

    private static bool IsCifarFile(string name) =>
        CifarBinary.Cifar10Train.Contains(name) ||
        name is CifarBinary.Cifar10Test or CifarBinary.Cifar100Train or CifarBinary.Cifar100Test or CifarBinary.Cifar100Names;

    private static ImageSet ResizeAll(ImageSet set, int size)
    {
        var pixels = new byte[set.Count * 3 * size * size];
        Parallel.For(0, set.Count, i =>
            Resize.Area(set.Image(i), set.Height, set.Width, size).CopyTo(pixels, i * 3 * size * size));
        return new ImageSet(pixels, set.Labels, size, size, set.ClassNames);
    }
}
