using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using SingleDarts.Search.Data;
using SingleDarts.Search.Runs;

namespace SingleDarts.Search.Tests;

/// <summary><see cref="DatasetDownloader"/> against a loopback server serving small archives in the official layouts.</summary>
[Trait("Category", "integration")]
public class DownloadTests
{
    private static readonly DownloadableDataset Cifar10 = DownloadableDatasets.Cifar10;

    /// <summary>cifar-10-binary.tar.gz in the official layout (cifar-10-batches-bin/…), with its MD5 and the folder it was packed from.</summary>
    internal static (byte[] Archive, string Md5, string Folder) Cifar10Archive()
    {
        var folder = Fixtures.Cifar10Folder(perBatch: 40, test: 20);
        File.WriteAllText(Path.Combine(folder, "batches.meta.txt"), string.Join('\n', CifarBinary.Cifar10Classes));
        var archive = File.ReadAllBytes(Fixtures.Pack(folder, gzip: true));
        return (archive, Md5(archive), folder);
    }

    internal static string Md5(byte[] bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));

    // no proxy from the test runner's environment in between (the CLI test checks that one is honoured)
    private static HttpClient Http() => new(new SocketsHttpHandler { UseProxy = false });

    private static Task<string> Fetch(DownloadableDataset dataset, string root, LoopbackServer server, string md5) =>
        new DatasetDownloader(Http()).Fetch(dataset, root, dataset.Url(server.BaseAddress), md5);

    /// <summary>Nothing but the dataset folder is left in the root: no archive, partial file or temporary folder.</summary>
    private static void AssertOnlyTheDatasetIn(string root, DownloadableDataset dataset) =>
        Assert.Equal([dataset.Folder], Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName));

    private static void AssertEmpty(string root) => Assert.Empty(Directory.EnumerateFileSystemEntries(root));

    [Fact]
    public async Task A_download_unpacks_the_official_layout_which_data_cifar10_then_reads()
    {
        var (archive, md5, source) = Cifar10Archive();
        using var server = new LoopbackServer((r, _) => LoopbackServer.File(archive, r));
        var root = Tiny.TempDir();

        var folder = await Fetch(Cifar10, root, server, md5);

        Assert.Equal(Path.Combine(root, "cifar-10-batches-bin"), folder);
        foreach (var file in Directory.GetFiles(source))
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(folder, Path.GetFileName(file))));
        AssertOnlyTheDatasetIn(root, Cifar10);
        Assert.Equal("GET /files/cifar-10-binary.tar.gz", $"{server.Requests.Single().Method} {server.Requests.Single().Target}");

        var dataset = Datasets.Load(new SearchOptions { Data = "cifar10", CacheDir = root });
        Assert.Equal(DataFormats.Cifar10, dataset.Format);
        Assert.Equal((200, 20), (dataset.Train.Count, dataset.Test!.Count));

        // a second run finds it and asks nothing
        Assert.Equal(folder, await Fetch(Cifar10, root, server, md5));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Cifar100_is_read_with_its_fine_labels_after_a_download()
    {
        var folder = Fixtures.Cifar100Folder(train: 30, test: 10);
        var archive = File.ReadAllBytes(Fixtures.Pack(folder, gzip: true));
        using var server = new LoopbackServer((r, _) => LoopbackServer.File(archive, r));
        var root = Tiny.TempDir();

        Assert.Equal(Path.Combine(root, "cifar-100-binary"), await Fetch(DownloadableDatasets.Cifar100, root, server, Md5(archive)));

        var dataset = Datasets.Load(new SearchOptions { Data = "cifar100", CacheDir = root });
        Assert.Equal((DataFormats.Cifar100, 100), (dataset.Format, dataset.Classes));
        Assert.Equal(Enumerable.Range(0, 30).Select(k => k * 7 % 100), dataset.Train.Labels);
    }

    [Fact]
    public async Task A_connection_cut_mid_body_is_continued_with_a_range_request()
    {
        var (archive, md5, _) = Cifar10Archive();
        var cut = archive.Length / 3;
        using var server = new LoopbackServer((r, i) => LoopbackServer.File(archive, r, cutAfter: i == 0 ? cut : null));
        var root = Tiny.TempDir();

        await Fetch(Cifar10, root, server, md5);

        Assert.Equal(2, server.Requests.Count);
        Assert.Null(server.Requests[0].Range);
        Assert.Equal($"bytes={cut}-", server.Requests[1].Range);
        Assert.True(Cifar10.IsIn(root));
        AssertOnlyTheDatasetIn(root, Cifar10);
    }

    [Fact]
    public async Task A_download_that_keeps_breaking_keeps_its_partial_file_and_the_next_run_continues_it()
    {
        var (archive, md5, _) = Cifar10Archive();
        var step = archive.Length / 5;
        var broken = true;
        // while broken, every answer stops step bytes further on; then the server behaves
        using var server = new LoopbackServer((r, i) => LoopbackServer.File(archive, r, cutAfter: broken ? step : null));
        var root = Tiny.TempDir();

        var ex = await Assert.ThrowsAsync<DownloadException>(() => Fetch(Cifar10, root, server, md5));
        Assert.Contains("run the same command again to continue", ex.Message);
        Assert.Equal(DatasetDownloader.Attempts, server.Requests.Count);
        var part = Path.Combine(root, "cifar-10-binary.tar.gz.part");
        Assert.Equal(DatasetDownloader.Attempts * step, new FileInfo(part).Length);
        Assert.False(Directory.Exists(Cifar10.FolderIn(root)));

        broken = false;
        await Fetch(Cifar10, root, server, md5);
        Assert.Equal($"bytes={DatasetDownloader.Attempts * step}-", server.Requests[^1].Range);
        Assert.True(Cifar10.IsIn(root));
        AssertOnlyTheDatasetIn(root, Cifar10);
    }

    [Fact]
    public async Task A_partial_file_the_server_cannot_continue_is_fetched_again()
    {
        var (archive, md5, _) = Cifar10Archive();
        using var server = new LoopbackServer((r, _) => LoopbackServer.File(archive, r));
        var root = Tiny.TempDir();
        File.WriteAllBytes(Path.Combine(root, "cifar-10-binary.tar.gz.part"), new byte[archive.Length + 10]);   // longer than the file: 416

        await Fetch(Cifar10, root, server, md5);

        Assert.Equal([$"bytes={archive.Length + 10}-", null], server.Requests.Select(r => r.Range));
        AssertOnlyTheDatasetIn(root, Cifar10);
    }

    [Fact]
    public async Task A_wrong_checksum_deletes_the_download_and_unpacks_nothing()
    {
        var (archive, _, _) = Cifar10Archive();
        using var server = new LoopbackServer((r, _) => LoopbackServer.File(archive, r));
        var root = Tiny.TempDir();

        var ex = await Assert.ThrowsAsync<DownloadException>(() => Fetch(Cifar10, root, server, Cifar10.Md5));
        Assert.Contains($"differs from the published {Cifar10.Md5}", ex.Message);
        Assert.Contains("deleted", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        AssertEmpty(root);
    }

    [Fact]
    public async Task A_server_error_and_a_refused_connection_are_clear_errors()
    {
        using var server = new LoopbackServer((_, _) => LoopbackServer.Status(503, "Service Unavailable"));
        var root = Tiny.TempDir();
        var ex = await Assert.ThrowsAsync<DownloadException>(() => Fetch(Cifar10, root, server, Cifar10.Md5));
        Assert.Contains("the server answered 503 Service Unavailable", ex.Message);
        AssertEmpty(root);

        var nobody = new Uri($"http://127.0.0.1:{CliProcess.FreePort()}/files/");
        ex = await Assert.ThrowsAsync<DownloadException>(() => new DatasetDownloader(Http()).Fetch(Cifar10, root, Cifar10.Url(nobody), Cifar10.Md5));
        Assert.StartsWith("cannot reach 127.0.0.1 (", ex.Message);
        Assert.Contains("refused", ex.Message, StringComparison.OrdinalIgnoreCase);
        AssertEmpty(root);
    }

    [Fact]
    public async Task Entries_that_leave_the_dataset_folder_are_refused_and_links_are_not_unpacked()
    {
        var source = Fixtures.Cifar10Folder();
        byte[] Archive(Action<TarWriter> extra)
        {
            using var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            using (var tar = new TarWriter(gz))
            {
                foreach (var file in Directory.GetFiles(source))
                    tar.WriteEntry(file, $"cifar-10-batches-bin/{Path.GetFileName(file)}");
                extra(tar);
            }
            return ms.ToArray();
        }

        var escaping = Archive(tar => tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "cifar-10-batches-bin/../../evil.bin")
            { DataStream = new MemoryStream([1, 2, 3]) }));
        using (var server = new LoopbackServer((r, _) => LoopbackServer.File(escaping, r)))
        {
            var root = Path.Combine(Tiny.TempDir(), "cache");
            var ex = await Assert.ThrowsAsync<DownloadException>(() => Fetch(Cifar10, root, server, Md5(escaping)));
            Assert.Contains("points outside cifar-10-batches-bin/", ex.Message);
            Assert.False(File.Exists(Path.Combine(root, "..", "evil.bin")));
            Assert.False(File.Exists(Path.Combine(root, "evil.bin")));
            Assert.Equal(["cifar-10-binary.tar.gz"], Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName));   // verified, kept; nothing unpacked
        }

        var linked = Archive(tar =>
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "cifar-10-batches-bin/passwd") { LinkName = "/etc/passwd" });
            tar.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "cifar-10-batches-bin/hosts") { LinkName = "/etc/hosts" });
        });
        using (var server = new LoopbackServer((r, _) => LoopbackServer.File(linked, r)))
        {
            var root = Tiny.TempDir();
            var folder = await Fetch(Cifar10, root, server, Md5(linked));
            Assert.Equal(Directory.GetFiles(source).Select(Path.GetFileName).Order(), Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order());
        }
    }

    [Fact]
    public async Task A_root_that_cannot_be_written_is_a_data_error()
    {
        var file = Path.Combine(Tiny.TempDir(), "a-file");
        File.WriteAllText(file, "");
        var ex = await Assert.ThrowsAsync<DataException>(() =>
            new DatasetDownloader(Http()).Fetch(Cifar10, Path.Combine(file, "cache"), Cifar10.Url(new Uri("http://127.0.0.1:9/")), Cifar10.Md5));
        Assert.Contains("cannot create or write the dataset folder", ex.Message);
    }

    [Fact]
    public void A_dataset_name_that_is_not_downloaded_says_how_to_get_it()
    {
        var root = Tiny.TempDir();
        var ex = Assert.Throws<SearchConfigException>(() => Datasets.Load(new SearchOptions { Data = "cifar100", CacheDir = root }));
        Assert.Equal($"--data cifar100: CIFAR-100 is not in {root}; download it with: singledarts data download cifar100 --dir {root}", Assert.Single(ex.Problems));
        Assert.Empty(new SearchOptions { Data = "cifar100", CacheDir = root }.Validate());   // a name is checked where it is loaded
    }
}
