using StbImageSharp;

namespace SingleDarts.Search.Data;

/// <summary>
/// Image folders <c>ROOT/{train,test}/&lt;class&gt;/*.{png,jpg,jpeg,bmp}</c> (from a folder or an archive;
/// ROOT may sit under a prefix). Classes are the train split's folder names in ordinal order.
/// Decoded with StbImageSharp to RGB, stored as CHW bytes.
/// </summary>
public static class ImageFolder
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    public static bool IsImage(string path) => Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>(split, class, file) when the path is &lt;prefix&gt;/split/class/file, else null.</summary>
    public static (string Prefix, string Split, string Class)? Locate(string path)
    {
        var parts = path.TrimEnd('/').Split('/');
        var isDir = path.EndsWith('/');
        var splitAt = parts.Length - (isDir ? 2 : 3);
        if (splitAt < 0 || parts[splitAt] is not ("train" or "test")) return null;
        return (string.Join('/', parts.Take(splitAt)), parts[splitAt], parts[splitAt + 1]);
    }

    /// <param name="entries">paths (directories end with '/') and contents of files.</param>
    /// <param name="size">target side; null keeps the images' own size, which must then be the same for all.</param>
    public static (ImageSet Train, ImageSet? Test) Read(IEnumerable<(string Path, byte[]? Data)> entries, string source, int? size)
    {
        var found = new Dictionary<string, Dictionary<string, List<(string Path, byte[] Data)>>>
        {
            ["train"] = new(StringComparer.Ordinal),
            ["test"] = new(StringComparer.Ordinal),
        };
        string? prefix = null;
        foreach (var (path, data) in entries)
        {
            if (Locate(path) is not { } where) continue;
            if (data is not null && !IsImage(path)) continue;
            prefix ??= where.Prefix;
            if (where.Prefix != prefix) continue; // another tree in the same archive
            var classes = found[where.Split];
            if (!classes.TryGetValue(where.Class, out var files)) classes[where.Class] = files = [];
            if (data is not null) files.Add((path, data));
        }
        var trainClasses = found["train"];
        if (trainClasses.Count == 0) throw new DataException($"{source}: no train split (expected train/<class>/<image> with .png, .jpg, .jpeg or .bmp files)");
        foreach (var split in found)
            foreach (var (name, files) in split.Value)
                if (files.Count == 0) throw new DataException($"{source}: class folder {split.Key}/{name} has no images");
        if (trainClasses.Count < 2) throw new DataException($"{source}: the train split has one class ({trainClasses.Keys.Single()}); at least 2 are needed");
        var classNames = trainClasses.Keys.Order(StringComparer.Ordinal).ToArray();
        foreach (var name in found["test"].Keys)
            if (!trainClasses.ContainsKey(name)) throw new DataException($"{source}: test class {name} does not exist in the train split");

        var train = Decode(trainClasses, classNames, source, size);
        var test = found["test"].Count > 0 ? Decode(found["test"], classNames, source, size) : null;
        if (test is not null && (test.Height != train.Height || test.Width != train.Width))
            throw new DataException($"{source}: test images are {test.Width}x{test.Height}, train images {train.Width}x{train.Height}: pass --image-size");
        return (train, test);
    }

    private static ImageSet Decode(Dictionary<string, List<(string Path, byte[] Data)>> classes, string[] classNames, string source, int? size)
    {
        var items = classNames.Where(classes.ContainsKey)
            .SelectMany(c => classes[c].OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => (Label: Array.IndexOf(classNames, c), f.Path, f.Data)))
            .ToArray();
        var decoded = new byte[items.Length][];
        var sizes = new (int W, int H)[items.Length];
        try
        {
            Parallel.For(0, items.Length, i => DecodeOne(i));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.FirstOrDefault(e => e is DataException) is { } first)
        {
            throw first;
        }
        void DecodeOne(int i)
        {
            ImageResult image;
            try
            {
                image = ImageResult.FromMemory(items[i].Data, ColorComponents.RedGreenBlue);
            }
            catch (Exception ex)
            {
                throw new DataException($"{source}: {items[i].Path}: cannot decode image ({ex.Message})");
            }
            var chw = ToChw(image.Data, image.Width, image.Height);
            sizes[i] = size is { } s ? (s, s) : (image.Width, image.Height);
            decoded[i] = size is { } side ? Resize.Area(chw, image.Height, image.Width, side) : chw;
        }
        var (w, h) = sizes[0];
        for (var i = 1; i < items.Length; i++)
            if (sizes[i] != (w, h))
                throw new DataException($"{source}: images have different sizes ({items[0].Path} is {w}x{h}, {items[i].Path} is {sizes[i].W}x{sizes[i].H}): pass --image-size");
        var pixels = new byte[items.Length * 3 * w * h];
        for (var i = 0; i < items.Length; i++) Buffer.BlockCopy(decoded[i], 0, pixels, i * 3 * w * h, 3 * w * h);
        return new ImageSet(pixels, items.Select(it => it.Label).ToArray(), h, w, classNames);
    }

    private static byte[] ToChw(byte[] hwc, int width, int height)
    {
        var plane = width * height;
        var chw = new byte[3 * plane];
        for (var p = 0; p < plane; p++)
        {
            chw[p] = hwc[3 * p];
            chw[plane + p] = hwc[3 * p + 1];
            chw[2 * plane + p] = hwc[3 * p + 2];
        }
        return chw;
    }
}
