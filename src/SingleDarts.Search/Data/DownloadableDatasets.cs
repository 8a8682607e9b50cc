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

/// <summary>
/// A dataset whose publisher hands it out only after registration: the user puts its files into
/// <see cref="Folder"/> in the dataset cache, <c>singledarts data check NAME</c> checks them, and <c>--data NAME</c> reads them.
/// </summary>
/// <param name="Source">where its files come from, for the message that says where to put them.</param>
public sealed record PlacedDataset(string Name, string Title, string Folder, IReadOnlyList<string> Files, string Source)
{
    public string FolderIn(string root) => Path.Combine(root, Folder);

    public bool IsIn(string root) => Files.All(f => File.Exists(Path.Combine(root, Folder, f)));

    /// <summary>Where the files go, for a user who has none yet.</summary>
    public string WhereToPut(string root) =>
        $"{Title} cannot be downloaded without registering with its publisher; get {Source} and put {Describe(Files)} into {FolderIn(root)}, " +
        $"then check them with: singledarts data check {Name}";

    /// <summary>"train_data_batch_1 … train_data_batch_10 and val_data": the first, the last two.</summary>
    private static string Describe(IReadOnlyList<string> files) =>
        files.Count > 3 ? $"{files[0]} … {files[^2]} and {files[^1]}" : string.Join(", ", files);
}

/// <summary>
/// The datasets <c>--data</c> knows by name, and how it turns a name into a folder in the dataset cache: those
/// <c>data download</c> fetches, and those the user puts there (<see cref="Placed"/>).
/// </summary>
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

    /// <summary>ImageNet16-120: the 16×16 downsampled ImageNet, pickled, in the folder name NAS-Bench-201's code reads (…/ImageNet16).</summary>
    public static readonly PlacedDataset ImageNet16_120 = new("imagenet16-120", "ImageNet16-120", "ImageNet16", ImageNet16.Files,
        "the downsampled ImageNet 16x16 release (pickled batches) from image-net.org");

    public static readonly IReadOnlyList<PlacedDataset> Placed = [ImageNet16_120];

    /// <summary>The names <c>data download</c> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(d => d.Name)];

    /// <summary>Every name <c>--data</c> accepts besides synthetic.</summary>
    public static IReadOnlyList<string> DataNames { get; } = [.. Names, .. Placed.Select(d => d.Name)];

    public static bool TryGetPlaced(string name, out PlacedDataset dataset)
    {
        dataset = Placed.FirstOrDefault(d => d.Name == name)!;
        return dataset is not null;
    }

    public static bool TryGet(string name, out DownloadableDataset dataset)
    {
        dataset = All.FirstOrDefault(d => d.Name == name)!;
        return dataset is not null;
    }

    /// <summary><c>--data</c> given as a name rather than a path: synthetic or a downloadable dataset (a folder called cifar10 is written ./cifar10).</summary>
    public static bool IsName(string data) => data == DataFormats.Synthetic || DataNames.Contains(data);

    /// <summary>
    /// The folder <c>--data</c> reads: a downloadable dataset's name becomes its folder in the dataset
    /// cache (<paramref name="cacheDir"/>, else <see cref="DatasetCache.DefaultDirectory"/>); anything else
    /// is returned as it is. A dataset that is not there is a <see cref="DataException"/> saying how to get it.
    /// </summary>
    public static string Resolve(string data, string? cacheDir)
    {
        if (TryGetPlaced(data, out var placed))
        {
            var cache = Path.GetFullPath(cacheDir ?? DatasetCache.DefaultDirectory);
            return placed.IsIn(cache) ? placed.FolderIn(cache) : throw new DataException($"--data {data}: {placed.WhereToPut(cache)}" + (cacheDir is null ? "" : $" --dir {cache}"));
        }
        if (!TryGet(data, out var dataset)) return data;
        var root = Path.GetFullPath(cacheDir ?? DatasetCache.DefaultDirectory);
        return dataset.IsIn(root) ? dataset.FolderIn(root)
            : throw new DataException($"--data {data}: {dataset.Title} is not in {root}; download it with: singledarts data download {data}" +
                (cacheDir is null ? "" : $" --dir {root}"));
    }
}
