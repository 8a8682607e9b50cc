namespace SingleDarts.Search.Data;

/// <summary>
/// A dataset that <c>singledarts data download NAME</c> fetches as its authors publish it, and that
/// <c>--data NAME</c> then reads from the dataset cache: the archive's top folder unpacked into it.
/// </summary>
/// <param name="Files">what a complete copy holds in <paramref name="Folder"/>.</param>
public sealed record DownloadableDataset(string Name, string Title, string FileName, string Md5, string Folder, IReadOnlyList<string> Files)
{
    public Uri Url(Uri baseAddress) => new(baseAddress, FileName);

    public string FolderIn(string root) => Path.Combine(root, Folder);

    /// <summary>A complete copy is unpacked in <paramref name="root"/>.</summary>
    public bool IsIn(string root) => Files.All(f => File.Exists(Path.Combine(root, Folder, f)));
}

/// <summary>The datasets <c>data download</c> knows, and how <c>--data</c> turns their names into folders.</summary>
public static class DownloadableDatasets
{
    /// <summary>Where the authors publish CIFAR-10/100 (https://www.cs.toronto.edu/~kriz/cifar.html).</summary>
    public static readonly Uri BaseAddress = new("https://www.cs.toronto.edu/~kriz/");

    // The binary versions' MD5s as the authors publish them on that page. torchvision's
    // torchvision/datasets/cifar.py lists only the python versions' (c58f3010…, eb9058c3…); the binary
    // ones are also in the md5sums files of the public mirrors datasets-mila/datasets--cifar10 and
    // datasets-mila/datasets--cifar100, next to those same python values.
    public static readonly DownloadableDataset Cifar10 = new("cifar10", "CIFAR-10", "cifar-10-binary.tar.gz",
        "c32a1d4ab5d03f1284b67883e8d87530", "cifar-10-batches-bin", [.. CifarBinary.Cifar10Train, CifarBinary.Cifar10Test]);

    public static readonly DownloadableDataset Cifar100 = new("cifar100", "CIFAR-100", "cifar-100-binary.tar.gz",
        "03b5dce01913d631647c71ecec9e9cb8", "cifar-100-binary", [CifarBinary.Cifar100Train, CifarBinary.Cifar100Test]);

    public static readonly IReadOnlyList<DownloadableDataset> All = [Cifar10, Cifar100];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(d => d.Name)];

    public static bool TryGet(string name, out DownloadableDataset dataset)
    {
        dataset = All.FirstOrDefault(d => d.Name == name)!;
        return dataset is not null;
    }

    /// <summary><c>--data</c> given as a name rather than a path: synthetic or a downloadable dataset (a folder called cifar10 is written ./cifar10).</summary>
    public static bool IsName(string data) => data == DataFormats.Synthetic || TryGet(data, out _);

    /// <summary>
    /// The folder <c>--data</c> reads: a downloadable dataset's name becomes its folder in the dataset
    /// cache (<paramref name="cacheDir"/>, else <see cref="DatasetCache.DefaultDirectory"/>); anything else
    /// is returned as it is. A dataset that is not there is a <see cref="DataException"/> saying how to get it.
    /// </summary>
    public static string Resolve(string data, string? cacheDir)
    {
        if (!TryGet(data, out var dataset)) return data;
        var root = Path.GetFullPath(cacheDir ?? DatasetCache.DefaultDirectory);
        return dataset.IsIn(root) ? dataset.FolderIn(root)
            : throw new DataException($"--data {data}: {dataset.Title} is not in {root}; download it with: singledarts data download {data}" +
                (cacheDir is null ? "" : $" --dir {root}"));
    }
}
