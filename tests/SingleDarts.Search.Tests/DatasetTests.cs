using System.Formats.Tar;
using SingleDarts.Search.Data;
using SingleDarts.Search.Runs;

namespace SingleDarts.Search.Tests;

[Trait("Category", "unit")]
public class DatasetTests
{
    private static DatasetCache Cache() => new(Tiny.TempDir());

    [Fact]
    public void Cifar10_binaries_are_read_from_a_folder_and_from_the_tar_gz_alike()
    {
        var folder = Fixtures.Cifar10Folder(perBatch: 4, test: 3);
        var fromFolder = DatasetLoader.Load(folder, DataFormats.Auto, null, Cache());
        Assert.Equal(DataFormats.Cifar10, fromFolder.Format);
        Assert.Equal(20, fromFolder.Train.Count);
        Assert.Equal(3, fromFolder.Test!.Count);
        Assert.Equal(CifarBinary.Cifar10Classes, fromFolder.Train.ClassNames);
        Assert.Equal(Enumerable.Range(0, 20).Select(k => k % 10), fromFolder.Train.Labels);
        var image7 = fromFolder.Train.Image(7);
        Assert.Equal(Fixtures.Pixel(7, 0, 0), image7[0]);
        Assert.Equal(Fixtures.Pixel(7, 2, 1023), image7[3071]); // planes are R, G, B: already CHW

        var fromArchive = DatasetLoader.Load(Fixtures.Pack(folder, gzip: true), DataFormats.Auto, null, Cache());
        Assert.Equal(fromFolder.Train.Pixels, fromArchive.Train.Pixels);
        Assert.Equal(fromFolder.Test.Labels, fromArchive.Test!.Labels);
    }

    [Fact]
    public void Cifar100_uses_the_fine_labels()
    {
        var loaded = DatasetLoader.Load(Fixtures.Cifar100Folder(train: 12, test: 4), DataFormats.Auto, null, Cache());
        Assert.Equal(DataFormats.Cifar100, loaded.Format);
        Assert.Equal(100, loaded.Train.Classes);
        Assert.Equal(Enumerable.Range(0, 12).Select(k => k * 7 % 100), loaded.Train.Labels);
        Assert.Equal("class07", loaded.Train.ClassNames[7]);

        var named = Fixtures.Cifar100Folder();
        File.WriteAllLines(Path.Combine(named, "fine_label_names.txt"), Enumerable.Range(0, 100).Select(i => $"thing{i}"));
        Assert.Equal("thing42", DatasetLoader.Load(named, DataFormats.Auto, null, Cache()).Train.ClassNames[42]);
    }

    [Fact]
    public void Downsampling_to_16_averages_2x2_blocks()
    {
        var loaded = DatasetLoader.Load(Fixtures.Cifar10Folder(perBatch: 1, test: 1), DataFormats.Auto, 16, Cache());
        Assert.Equal(16, loaded.Train.Height);
        var img = loaded.Train.Image(2);
        // channel 1, output (y=3, x=5) covers input rows 6-7, columns 10-11
        var expected = new[] { 6 * 32 + 10, 6 * 32 + 11, 7 * 32 + 10, 7 * 32 + 11 }.Average(p => Fixtures.Pixel(2, 1, p));
        Assert.Equal((byte)Math.Round(expected, MidpointRounding.ToEven), img[256 + 3 * 16 + 5]);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Image_folders_are_read_from_folders_tars_and_tar_gz_with_sorted_classes(bool archive, bool gzip)
    {
        var root = Fixtures.ImageFolder(["zebra", "ant", "moth"], perClass: 3, size: 8);
        var source = archive ? Fixtures.Pack(root, gzip) : root;
        var loaded = DatasetLoader.Load(source, DataFormats.Auto, null, Cache());
        Assert.Equal(DataFormats.ImageFolder, loaded.Format);
        Assert.Equal(["ant", "moth", "zebra"], loaded.Train.ClassNames);
        Assert.Equal(9, loaded.Train.Count);
        Assert.Equal(3, loaded.Test!.Count);
        // train/zebra/0001.png is class 2 (zebra); PNG is lossless: pixels are exact, stored CHW
        var index = Enumerable.Range(0, 9).Where(i => loaded.Train.Labels[i] == 2).ElementAt(1);
        var img = loaded.Train.Image(index);
        var hwc = Fixtures.ImagePixels(0, 1, 8); // written as class 0 of ["zebra", "ant", "moth"]
        for (var p = 0; p < 64; p++)
            for (var c = 0; c < 3; c++)
                Assert.Equal(hwc[3 * p + c], img[c * 64 + p]);
    }

    [Fact]
    public void Links_and_paths_leaving_the_archive_are_skipped_and_counted_in_one_warning()
    {
        var root = Fixtures.ImageFolder(["ant", "moth"], perClass: 2, size: 8);
        var path = Path.Combine(Tiny.TempDir(), "hostile.tar");
        using (var tar = new TarWriter(File.Create(path)))
        {
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
                tar.WriteEntry(file, Path.GetRelativePath(root, file));
            var png = File.ReadAllBytes(Directory.EnumerateFiles(Path.Combine(root, "train", "ant")).First());
            foreach (var name in new[] { "/train/ant/abs.png", "../train/ant/up.png", "train/../../moth/up2.png" })
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(png) });
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "train/ant/link.png") { LinkName = "/etc/passwd" });
        }
        var loaded = DatasetLoader.Load(path, DataFormats.Auto, null, Cache());
        Assert.Equal(4, loaded.Train.Count); // none of the hostile entries became an image
        Assert.Equal($"{path}: skipped 4 archive entries (1 link, 3 paths outside the archive (absolute or with '..'))", loaded.Warning);

        var clean = DatasetLoader.Load(Fixtures.Pack(root, gzip: false), DataFormats.Auto, null, Cache());
        Assert.Null(clean.Warning);
    }

    [Theory]
    [InlineData("jpg")]
    [InlineData("bmp")]
    public void Jpeg_and_bmp_decode(string extension)
    {
        var loaded = DatasetLoader.Load(Fixtures.ImageFolder(["a", "b"], 2, 8, extension), DataFormats.Auto, null, Cache());
        Assert.Equal(4, loaded.Train.Count);
        Assert.Equal(8, loaded.Train.Width);
    }

    [Fact]
    public void A_second_load_comes_from_the_cache_and_a_changed_source_is_decoded_again()
    {
        var cache = Cache();
        var root = Fixtures.ImageFolder(["a", "b"], perClass: 2);
        var first = DatasetLoader.Load(root, DataFormats.Auto, null, cache);
        var second = DatasetLoader.Load(root, DataFormats.Auto, null, cache);
        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(first.Train.Pixels, second.Train.Pixels);
        Assert.Equal(first.Train.ClassNames, second.Train.ClassNames);
        Assert.False(DatasetLoader.Load(root, DataFormats.Auto, 4, cache).FromCache); // other settings, other entry

        File.WriteAllBytes(Path.Combine(root, "train", "a", "0000.png"), Fixtures.Encode(Fixtures.ImagePixels(5, 5, 8), 8, 8, "png"));
        var changed = DatasetLoader.Load(root, DataFormats.Auto, null, cache);
        Assert.False(changed.FromCache);
        Assert.NotEqual(first.Train.Pixels, changed.Train.Pixels);

        // a damaged cache entry is not trusted
        foreach (var f in Directory.GetFiles(cache.Directory)) { var b = File.ReadAllBytes(f); b[^1] ^= 1; File.WriteAllBytes(f, b); }
        Assert.False(DatasetLoader.Load(root, DataFormats.Auto, null, cache).FromCache);
    }

    [Fact]
    public void Train_size_takes_a_seeded_class_balanced_subset()
    {
        var root = Fixtures.ImageFolder(["a", "b", "c"], perClass: 6);
        var o = Tiny.Options() with { Data = root, TrainSize = 7, CacheDir = Tiny.TempDir() };
        var a = Datasets.Load(o);
        var b = Datasets.Load(o);
        var c = Datasets.Load(o with { DataSeed = 1 });
        Assert.Equal(7, a.Train.Count);
        Assert.Equal([3, 2, 2], Enumerable.Range(0, 3).Select(k => a.Train.Labels.Count(l => l == k)));
        Assert.Equal(a.Train.Pixels, b.Train.Pixels);
        Assert.NotEqual(a.Train.Pixels, c.Train.Pixels);
        var ex = Assert.Throws<SearchConfigException>(() => Datasets.Load(o with { TrainSize = 30 }));
        Assert.Contains("--train-size 30", ex.Message);
    }

    [Fact]
    public void Image_folder_order_is_shuffled_so_that_the_split_mixes_classes()
    {
        var root = Fixtures.ImageFolder(["a", "b"], perClass: 10);
        var d = Datasets.Load(Tiny.Options() with { Data = root, TrainSize = null, CacheDir = Tiny.TempDir() });
        var (search, heldOut) = Datasets.Split(d.Train.Count, 0.5);
        Assert.True(search.Select(i => d.Train.Labels[i]).Distinct().Count() == 2, "the search half has one class only");
        Assert.True(heldOut.Select(i => d.Train.Labels[i]).Distinct().Count() == 2, "the held-out half has one class only");
    }

    public static TheoryData<string, Func<string>, string?> BrokenDatasets => new()
    {
        { "truncated", () => { var f = Fixtures.Cifar10Folder(); Truncate(Path.Combine(f, "data_batch_2.bin"), 100); return f; }, "data_batch_2.bin has" },
        { "label out of range", () => { var f = Fixtures.Cifar10Folder(); Poke(Path.Combine(f, "data_batch_1.bin"), 3073, 10); return f; }, "label byte 10 is out of range" },
        { "missing batch", () => { var f = Fixtures.Cifar10Folder(); File.Delete(Path.Combine(f, "data_batch_3.bin")); return f; }, "data_batch_3.bin is missing" },
        { "cifar100 coarse label", () => { var f = Fixtures.Cifar100Folder(); Poke(Path.Combine(f, "train.bin"), 0, 20); return f; }, "out of range 0..19" },
        { "undecodable", () => { var f = Fixtures.ImageFolder(["a", "b"], 2); File.WriteAllText(Path.Combine(f, "train", "b", "0001.png"), "not an image"); return f; }, "0001.png: cannot decode" },
        { "empty class", () => { var f = Fixtures.ImageFolder(["a", "b"], 2); Directory.CreateDirectory(Path.Combine(f, "train", "c")); return f; }, "train/c has no images" },
        { "mixed sizes", () => { var f = Fixtures.ImageFolder(["a", "b"], 2); File.WriteAllBytes(Path.Combine(f, "train", "a", "0009.png"), Fixtures.Encode(Fixtures.ImagePixels(0, 0, 6), 6, 6, "png")); return f; }, "pass --image-size" },
        { "test size differs", () => { var f = Fixtures.ImageFolder(["a", "b"], 2); File.WriteAllBytes(Path.Combine(f, "test", "a", "0000.png"), Fixtures.Encode(Fixtures.ImagePixels(0, 0, 6), 6, 6, "png")); return f; }, "pass --image-size" },
        { "no train split", () => { var f = Fixtures.ImageFolder(["a", "b"], 2); Directory.Move(Path.Combine(f, "train"), Path.Combine(f, "training")); return Fixtures.Pack(f, true); }, "no train split" },
        { "unknown test class", () => { var f = Fixtures.ImageFolder(["a", "b"], 2); Directory.Move(Path.Combine(f, "test", "b"), Path.Combine(f, "test", "x")); return f; }, "test class x" },
        { "not a dataset", () => { var f = Tiny.TempDir(); File.WriteAllText(Path.Combine(f, "readme.txt"), "hi"); return f; }, "--data-format" },
        { "damaged gzip", () => { var p = Fixtures.Pack(Fixtures.Cifar10Folder(), true); Truncate(p, 2000); return p; }, "damaged" },
    };

    [Theory]
    [MemberData(nameof(BrokenDatasets))]
    public void Broken_datasets_are_refused_naming_file_and_problem(string _, Func<string> make, string? expected)
    {
        var source = make();
        var ex = Assert.Throws<DataException>(() => DatasetLoader.Load(source, DataFormats.Auto, null, Cache()));
        Assert.Contains(expected!, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Mixed_sizes_are_fine_with_an_image_size()
    {
        var f = Fixtures.ImageFolder(["a", "b"], 2);
        File.WriteAllBytes(Path.Combine(f, "train", "a", "0009.png"), Fixtures.Encode(Fixtures.ImagePixels(0, 0, 6), 6, 6, "png"));
        var loaded = DatasetLoader.Load(f, DataFormats.Auto, 4, Cache());
        Assert.Equal(5, loaded.Train.Count);
        Assert.Equal(4, loaded.Train.Height);
    }

    private static void Truncate(string path, int bytes)
    {
        var data = File.ReadAllBytes(path);
        File.WriteAllBytes(path, data[..^bytes]);
    }

    private static void Poke(string path, int offset, byte value)
    {
        var data = File.ReadAllBytes(path);
        data[offset] = value;
        File.WriteAllBytes(path, data);
    }
}
