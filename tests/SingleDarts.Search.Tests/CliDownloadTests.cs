using System.Text.Json.Nodes;
using SingleDarts.Cli;
using SingleDarts.Cli.Sweeps;
using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Search.Tests;

/// <summary><c>singledarts data download</c>, <c>--data cifar10</c> and the built-in NB201 table, through the real program.</summary>
[Trait("Category", "integration")]
public class CliDownloadTests
{
    private static (int Exit, string[] Out, string[] Err) Cli(string args, Dictionary<string, string>? environment = null)
    {
        var (exit, stdout, stderr) = CliProcess.Run(args, environment);
        return (exit, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>The test-only address and checksum, and no proxy unless the test sets one.</summary>
    private static Dictionary<string, string> Serving(Uri baseAddress, string md5) => new()
    {
        [DataCommand.TestUrlVariable] = baseAddress.ToString(),
        [DataCommand.TestMd5Variable] = md5,
        ["HTTP_PROXY"] = "", ["http_proxy"] = "", ["HTTPS_PROXY"] = "", ["https_proxy"] = "", ["NO_PROXY"] = "", ["no_proxy"] = "",
    };

    [Fact]
    public void Download_goes_through_the_proxy_from_the_environment_and_search_then_reads_cifar10_by_name()
    {
        var (archive, md5, _) = DownloadTests.Cifar10Archive();
        using var proxy = new LoopbackServer((r, _) => LoopbackServer.File(archive, r));
        var root = Tiny.TempDir();
        // cifar.test does not resolve: only the proxy can answer it
        var environment = Serving(new Uri("http://cifar.test/files/"), md5);
        environment["HTTP_PROXY"] = $"http://127.0.0.1:{proxy.Port}";

        var (exit, stdout, stderr) = Cli($"data download cifar10 --dir {root}", environment);

        Assert.True(exit == 0, string.Join('\n', stderr));
        Assert.Equal("http://cifar.test/files/cifar-10-binary.tar.gz", proxy.Requests.Single().Target);
        Assert.Equal(Path.Combine(root, "cifar-10-batches-bin"), stdout[^1]);
        Assert.Contains(stderr, l => l.Trim().StartsWith("100%", StringComparison.Ordinal));   // plain progress lines without a terminal
        Assert.DoesNotContain(stderr, l => l.Contains('\u001b'));

        var run = Tiny.TempDir();
        (exit, stdout, stderr) = Cli($"search --data cifar10 --cache-dir {root} --channels 2 --cells 1 --image-size 8 --batch-size 16 --threads 1 --epochs 1 --out {run}");
        Assert.True(exit == 0, string.Join('\n', stderr));
        var result = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "result.json")))!;
        // the built-in table is the default for the nb201 space on CIFAR-10
        var row = Nb201Table.Builtin.Find(Genotype.Parse((string)result["arch"]!))!;
        Assert.Equal(Nb201Table.Builtin.Rank(row, Nb201Table.Cifar10), (int)result["metrics"]![Nb201Benchmark.Rank]!);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!;
        Assert.Equal("cifar10", (string?)config["options"]!["data"]);
        Assert.Equal(Nb201Source.Builtin, (string?)config["data"]!["benchmark"]!["table"]);
        Assert.Equal("cifar10", (string?)config["data"]!["benchmark"]!["dataset"]);
    }

    [Fact]
    public void Download_failures_are_one_line_errors()
    {
        var (archive, _, _) = DownloadTests.Cifar10Archive();
        using var server = new LoopbackServer((r, _) => LoopbackServer.File(archive, r));
        var root = Tiny.TempDir();

        var (exit, _, stderr) = Cli($"data download cifar10 --dir {root}", Serving(server.BaseAddress, new string('0', 32)));
        Assert.Equal(1, exit);
        Assert.Single(stderr, l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("differs from the published 00000000000000000000000000000000; the download was deleted", stderr[^1]);
        Assert.Empty(Directory.EnumerateFileSystemEntries(root));

        using var failing = new LoopbackServer((_, _) => LoopbackServer.Status(500, "Internal Server Error"));
        (exit, _, stderr) = Cli($"data download cifar100 --dir {root}", Serving(failing.BaseAddress, new string('0', 32)));
        Assert.Equal(1, exit);
        Assert.Equal("error: " + failing.BaseAddress + "cifar-100-binary.tar.gz: the server answered 500 Internal Server Error", stderr[^1]);

        (exit, _, stderr) = Cli($"data download cifar10 --dir {root}", Serving(new Uri($"http://127.0.0.1:{CliProcess.FreePort()}/"), new string('0', 32)));
        Assert.Equal(1, exit);
        Assert.StartsWith("error: cannot reach 127.0.0.1 (", stderr[^1]);
        Assert.DoesNotContain(stderr, l => l.Contains("   at "));
    }

    [Fact]
    public void Bad_download_input_is_a_one_line_error_with_exit_code_2()
    {
        var (exit, _, stderr) = Cli("data download cifar11");
        Assert.Equal(2, exit);
        Assert.Contains("cifar11", Assert.Single(stderr));

        var file = Path.Combine(Tiny.TempDir(), "a-file");
        File.WriteAllText(file, "");
        (exit, _, stderr) = Cli($"data download cifar10 --dir {file}/cache");
        Assert.Equal(2, exit);
        Assert.Contains("cannot create or write the dataset folder", Assert.Single(stderr));

        var empty = Tiny.TempDir();
        (exit, _, stderr) = Cli($"search --data cifar100 --cache-dir {empty} --epochs 1");
        Assert.Equal(2, exit);
        Assert.Equal($"error: --data cifar100: CIFAR-100 is not in {empty}; download it with: singledarts data download cifar100 --dir {empty}", Assert.Single(stderr));
    }

    [Fact]
    public void Sweep_specs_take_dataset_and_table_names_as_names()
    {
        var dir = Tiny.TempDir();
        var spec = Path.Combine(dir, "spec.yaml");
        File.WriteAllText(spec, "name: t\nmethods: [single]\nseeds: [0]\nsearch:\n  data: cifar10\n  nb201: builtin\n  epochs: 1\n");
        var (read, _) = SweepSpecFile.Read(spec);
        var search = JsonNode.Parse(read.SearchJson)!;
        Assert.Equal(("cifar10", "builtin"), ((string?)search["data"], (string?)search["nb201"]));
        var empty = Tiny.TempDir();
        Assert.Equal($"--data cifar10: CIFAR-10 is not in {empty}; download it with: singledarts data download cifar10 --dir {empty}",
            Assert.Single(SweepSpecFile.MissingDownloads(read, empty)));

        var (exit, _, stderr) = Cli($"sweep start -f {spec} --local --cache-dir {empty} --report off --metrics off");
        Assert.Equal(2, exit);   // refused before a silo starts
        Assert.Equal($"error: --data cifar10: CIFAR-10 is not in {empty}; download it with: singledarts data download cifar10 --dir {empty}", Assert.Single(stderr));

        File.WriteAllText(spec, "name: t\nmethods: [single]\nseeds: [0]\nsearch:\n  space: darts\n  nb201: builtin\n");
        var ex = Assert.Throws<SearchConfigException>(() => SweepSpecFile.Read(spec));
        Assert.Contains(ex.Problems, p => p.Contains("nb201 is NAS-Bench-201's table"));
        File.WriteAllText(spec, "name: t\nmethods: [single]\nseeds: [0]\nsearch:\n  space: darts\n  nb201: none\n");
        Assert.Equal("none", (string?)JsonNode.Parse(SweepSpecFile.Read(spec).Spec.SearchJson)!["nb201"]);
    }
}
