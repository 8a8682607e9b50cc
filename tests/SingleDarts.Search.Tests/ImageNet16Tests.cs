using SingleDarts.Search.Data;
using SingleDarts.Search.IO;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Search.Tests;

/// <summary>ImageNet16-120 from tiny copies of the 16×16 release: decoding, NAS-Bench-201's 120 classes, the split, the check, a search.</summary>
[Trait("Category", "unit")]
public class ImageNet16Tests
{
    private static DatasetCache Cache() => new(Tiny.TempDir());

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_batch_decodes_to_chw_images_of_the_first_120_classes_with_labels_made_zero_based(bool python2)
    {
        // images 0..15: labels 1, 121, 2, 1000, 120, 3, 240, 60, …; kept: 1, 2, 120, 3, 60 of each 8
        var part = ImageNet16.Read("train_data_batch_1", ImageNet16Fixtures.TrainBatch(0, 16, python2: python2), "here");
        Assert.Equal(16, part.Rows);
        int[] kept = [0, 2, 4, 5, 7, 8, 10, 12, 13, 15];
        Assert.Equal(kept.Select(i => ImageNet16Fixtures.Label(i) - 1), part.Labels);
        Assert.Equal([0, 1, 119, 2, 59], part.Labels[..5]);
        for (var k = 0; k < kept.Length; k++)
            foreach (var (c, y, x) in new[] { (0, 0, 0), (1, 3, 5), (2, 15, 15) })
                Assert.Equal(ImageNet16Fixtures.Pixel(kept[k], c, 16 * y + x), part.Pixels[k * 768 + c * 256 + 16 * y + x]); // R, G, B planes: CHW
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_loader_reads_the_ten_batches_in_their_order_and_val_data_as_the_test_split(bool archive)
    {
        var folder = ImageNet16Fixtures.Folder(perBatch: 8, val: 16);
        var loaded = DatasetLoader.Load(archive ? Fixtures.Pack(folder, gzip: true) : folder, DataFormats.Auto, null, Cache());
        Assert.Equal(DataFormats.ImageNet16, loaded.Format);
        Assert.Equal(120, loaded.Train.Classes);
        Assert.Equal("label001", loaded.Train.ClassNames[0]);
        Assert.Equal((16, 16), (loaded.Train.Height, loaded.Train.Width));
        // batch 10 after batch 9 (not after batch 1, as the names sort): the images in numbering order
        var trainImages = Enumerable.Range(0, 80).Where(i => ImageNet16Fixtures.Label(i) <= 120).ToList();
        Assert.Equal(trainImages.Select(i => ImageNet16Fixtures.Label(i) - 1), loaded.Train.Labels);
        Assert.Equal(ImageNet16Fixtures.Pixel(trainImages[^1], 2, 77), loaded.Train.Image(loaded.Train.Count - 1)[512 + 77]);
        Assert.Equal(ImageNet16Fixtures.Kept(80, 16), loaded.Test!.Count);
        Assert.Equal(ImageNet16Fixtures.Pixel(80, 0, 0), loaded.Test.Image(0)[0]);

        Assert.Equal(DataFormats.ImageNet16, DatasetLoader.Load(folder, DataFormats.ImageNet16, null, Cache()).Format);
    }

    [Fact]
    public void The_search_split_is_the_first_portion_of_the_training_images_in_file_order_as_for_cifar()
    {
        var root = Tiny.TempDir();
        ImageNet16Fixtures.Folder(perBatch: 8, val: 8, root: root);
        var options = Tiny.Options() with { Data = DownloadableDatasets.ImageNet16_120.Name, CacheDir = root, TrainSize = null, ImageSize = null };
        var dataset = Datasets.Load(options);
        var trainImages = Enumerable.Range(0, 80).Where(i => ImageNet16Fixtures.Label(i) <= 120).ToArray();
        Assert.Equal(trainImages.Select(i => ImageNet16Fixtures.Label(i) - 1), dataset.Train.Labels); // no shuffle: the file order
        var (search, heldOut) = Datasets.Split(dataset.Train.Count, 0.5);
        Assert.Equal(Enumerable.Range(0, 25), search);
        Assert.Equal(Enumerable.Range(25, 25), heldOut);
        Assert.Equal(ImageNet16Fixtures.Kept(80, 8), dataset.Test!.Count);
    }

    [Fact]
    public void Data_imagenet16_120_without_its_files_says_where_they_go()
    {
        var root = Tiny.TempDir();
        var ex = Assert.Throws<DataException>(() => DownloadableDatasets.Resolve("imagenet16-120", root));
        Assert.Equal($"--data imagenet16-120: ImageNet16-120 cannot be downloaded without registering with its publisher; get the downsampled ImageNet 16x16 release (pickled batches) " +
                     $"from image-net.org and put train_data_batch_1 … train_data_batch_10 and val_data into {Path.Combine(root, "ImageNet16")}, " +
                     $"then check them with: singledarts data check imagenet16-120 --dir {root}", ex.Message);
        var folder = ImageNet16Fixtures.Folder(root: root);
        Assert.Equal(folder, DownloadableDatasets.Resolve("imagenet16-120", root));
        File.Delete(Path.Combine(folder, "train_data_batch_7"));
        Assert.Throws<DataException>(() => DownloadableDatasets.Resolve("imagenet16-120", root));
    }

    private static readonly ImageNet16Check.Counts TinyCounts = new(_ => 8, 80, 8, ImageNet16Fixtures.Kept(0, 80), ImageNet16Fixtures.Kept(80, 8));

    [Fact]
    public void The_check_counts_every_file_and_compares_with_the_release()
    {
        var folder = ImageNet16Fixtures.Folder(perBatch: 8, val: 8);
        var ok = ImageNet16Check.Run(folder, expected: TinyCounts);
        Assert.True(ok.Complete, string.Join("\n", ok.Problems));
        Assert.Equal(12, ok.Lines.Count);
        Assert.Equal("train_data_batch_10          8 images,       5 of the first 120 classes", ok.Lines[9]);
        Assert.Equal("train: 80 images, 50 of the first 120 classes; val: 8, 5", ok.Lines[^1]);

        var release = ImageNet16Check.Run(folder);
        Assert.Equal([
            "the training files hold 80 images, the release 1,281,167 (" + string.Join(", ", Enumerable.Range(1, 9).Select(b => $"train_data_batch_{b} has 8 of 128,116")) +
            ", train_data_batch_10 has 8 of 128,123)",
            "val_data holds 8 images, the release 50,000",
        ], release.Problems);
        // the release's cut: ⌊1,281,167 / 10⌋ per file, the rest in the last
        Assert.Equal(ImageNet16.ReleaseTrain, ImageNet16.TrainFiles.Sum(ImageNet16.ReleaseRows));
    }

    public static TheoryData<string, Action<string>, string> Broken => new()
    {
        { "missing files", f => { File.Delete(Path.Combine(f, "val_data")); File.Delete(Path.Combine(f, "train_data_batch_3")); }, "train_data_batch_3, val_data are missing; the folder must hold train_data_batch_1" },
        { "truncated", f => Truncate(Path.Combine(f, "train_data_batch_2"), 1000), "train_data_batch_2: the pickle" },
        { "oversized header", f => File.WriteAllBytes(Path.Combine(f, "val_data"), [0x80, 2, (byte)'}', (byte)'X', 0, 0, 0, 0x40, (byte)'.']),
            "val_data: the pickle opcode at offset 3 declares 1,073,741,824 bytes, but only 1 follow" },
        { "oversized file", f => { using var s = File.Create(Path.Combine(f, "train_data_batch_5")); s.SetLength(InputLimits.ArchiveEntryBytes + 1); },
            "train_data_batch_5: 512 MiB is more than a dataset file may have (512 MiB; see docs/troubleshooting.md" },
        { "a label beyond 1000", f => File.WriteAllBytes(Path.Combine(f, "val_data"), ImageNet16Fixtures.ValBatch(0, 2, _ => 1001)), "val_data: label 0 is 1001, outside 1..1000" },
        { "32×32 rows", f => File.WriteAllBytes(Path.Combine(f, "val_data"), PickleWriter.Dict([("data", NdArray.UInt8(new byte[3072], 1, 3072)), ("labels", new long[] { 1 })])),
            "not rows of 768 bytes (16×16 RGB); this looks like the 32×32 or 64×64 release" },
        { "labels and rows disagree", f => File.WriteAllBytes(Path.Combine(f, "val_data"), PickleWriter.Dict([("data", NdArray.UInt8(new byte[768], 1, 768)), ("labels", new long[] { 1, 2 })])),
            "val_data: 2 labels for 1 images" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void The_check_names_each_problem_in_one_line(string what, Action<string> breakIt, string expected)
    {
        var folder = ImageNet16Fixtures.Folder(perBatch: 4, val: 4);
        breakIt(folder);
        var result = ImageNet16Check.Run(folder, expected: TinyCounts);
        Assert.False(result.Complete, what);
        Assert.Contains(result.Problems, p => p.Contains(expected, StringComparison.Ordinal) && !p.Contains('\n'));
        // the loader refuses the same folder with the same line (a missing val_data only leaves the test split out)
        if (what is not "missing files" and not "oversized file")
            Assert.Contains(expected, Assert.Throws<DataException>(() => DatasetLoader.Load(folder, DataFormats.Auto, null, Cache())).Message);
    }

    [Fact]
    public void A_search_on_imagenet16_120_ranks_its_cell_with_the_tables_imagenet16_120_column()
    {
        var root = Tiny.TempDir();
        ImageNet16Fixtures.Folder(perBatch: 8, val: 8, root: root);
        var result = SearchRunner.Run(Tiny.Options(epochs: 1) with { Data = "imagenet16-120", CacheDir = root, TrainSize = null }, Tiny.TempDir());
        var table = Nb201Table.Builtin;
        var row = table.Find(Genotype.Parse(result.Arch))!;
        Assert.Equal(row.ImageNet16, result.Metrics[Nb201Benchmark.TestAcc]);
        Assert.Equal(table.Rank(row, Nb201Table.ImageNet16), result.Metrics[Nb201Benchmark.Rank]);
        Assert.Equal(row.Cifar10, result.Metrics[Nb201Benchmark.TransferKey(Nb201Table.Cifar10)]);
        Assert.False(result.Metrics.ContainsKey(Nb201Benchmark.TransferKey(Nb201Table.ImageNet16)));
    }

    [Fact]
    public void Evaluate_and_sweep_specs_take_imagenet16_120_by_name()
    {
        var root = Tiny.TempDir();
        ImageNet16Fixtures.Folder(perBatch: 8, val: 8, root: root);
        using (var run = new EvalRun(EvaluationTests.TinyEval("nb201", epochs: 1) with { Data = "imagenet16-120", CacheDir = root, TrainSize = null }))
        {
            Assert.Equal((DataFormats.ImageNet16, 120, 50, 5), (run.Dataset.Format, run.Dataset.Classes, run.Dataset.Train.Count, run.Dataset.Test!.Count));
            Assert.True(double.IsFinite(run.RunEpoch().TrainLoss));
        }
        Assert.Contains("120 classes", string.Join("\n", SingleDarts.Cli.EvaluateCommand.DryRun(EvaluationTests.TinyEval("nb201") with { Data = "imagenet16-120" })));

        var spec = Path.Combine(Tiny.TempDir(), "spec.yaml");
        File.WriteAllText(spec, "name: t\nmethods: [single]\nseeds: [0]\nsearch:\n  data: imagenet16-120\n  epochs: 1\nevaluate:\n  data: imagenet16-120\n");
        var (read, _) = SingleDarts.Cli.Sweeps.SweepSpecFile.Read(spec);
        Assert.Equal("imagenet16-120", (string?)System.Text.Json.Nodes.JsonNode.Parse(read.SearchJson)!["data"]);
        Assert.Empty(SingleDarts.Cli.Sweeps.SweepSpecFile.MissingDownloads(read, root));
        var empty = Tiny.TempDir();
        Assert.Contains("singledarts data check imagenet16-120", Assert.Single(SingleDarts.Cli.Sweeps.SweepSpecFile.MissingDownloads(read, empty)));

        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(repo.FullName, "SingleDarts.sln"))) repo = repo.Parent!;
        var example = Path.Combine(repo.FullName, "examples", "nb201-imagenet16-cpu-scale.yaml");
        var (protocol, _) = SingleDarts.Cli.Sweeps.SweepSpecFile.Read(example);
        Assert.Equal("imagenet16-120", (string?)System.Text.Json.Nodes.JsonNode.Parse(protocol.SearchJson)!["data"]);
    }

    private static void Truncate(string path, int bytes)
    {
        using var s = File.OpenWrite(path);
        s.SetLength(s.Length - bytes);
    }
}
