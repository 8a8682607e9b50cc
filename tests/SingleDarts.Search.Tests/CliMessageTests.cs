namespace SingleDarts.Search.Tests;

/// <summary>Messages that used to mislead: one line each, the right exit code, nothing left behind (the CLI as a process).</summary>
[Trait("Category", "integration")]
public sealed class CliMessageTests
{
    private const string TinyArgs = "--channels 2 --cells 1 --image-size 8 --train-size 64 --synthetic-classes 4 --batch-size 16 --threads 1";
    private const string Valid = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";

    private static (int Exit, string Err) Cli(string args, Dictionary<string, string>? environment = null)
    {
        var (exit, _, stderr) = CliProcess.Run(args, environment);
        Assert.DoesNotContain("   at ", stderr);
        return (exit, stderr.Trim());
    }

    [Theory]
    [InlineData("search --epochs 1000000000", "error: --epochs must be at most 10,000 (a search takes 50, an evaluation 600), got 1,000,000,000")]
    [InlineData("search --seed -1", "error: --seed must not be negative, got -1")]
    [InlineData("evaluate --space nb201 --arch resnet --seed -1", "error: --seed must not be negative, got -1")]
    [InlineData("search --epochs 1e10", "error: --epochs: '1e10' is not a whole number from -2147483648 to 2147483647")]
    [InlineData("search --lr fast", "error: --lr: 'fast' is not a number")]
    public void Out_of_range_and_unparsable_numbers_are_refused_in_plain_words(string args, string expected)
    {
        var (exit, err) = Cli(args);
        Assert.Equal(2, exit);
        Assert.Equal(expected, err);
    }

    [Fact]
    public void A_folder_given_as_the_nb201_table_is_named_a_folder()
    {
        var dir = Tiny.TempDir();
        var (exit, err) = Cli($"nb201 show \"{Valid}\" --nb201 {dir}");
        Assert.Equal(2, exit);
        Assert.Equal($"error: {dir} is a folder; name the NAS-Bench-201 table's CSV file", err);
    }

    [Fact]
    public void A_cache_variable_naming_a_file_is_blamed_by_name_with_exit_code_2()
    {
        var file = Path.Combine(Tiny.TempDir(), "not-a-folder");
        File.WriteAllText(file, "");
        var (exit, err) = Cli($"data download cifar10", new() { ["SINGLEDARTS_CACHE"] = file });
        Assert.Equal(2, exit);
        Assert.Equal($"error: SINGLEDARTS_CACHE={file} is a file; the dataset cache is a folder: point SINGLEDARTS_CACHE at one, or unset it", err);
    }

    [Fact]
    public void An_unreachable_proxy_is_named_and_the_new_dataset_folder_is_removed()
    {
        var root = Path.Combine(Tiny.TempDir(), "cache");
        var (exit, err) = Cli($"data download cifar10 --dir {root}", new()
        {
            ["HTTPS_PROXY"] = $"http://127.0.0.1:{CliProcess.FreePort()}", ["https_proxy"] = "", ["NO_PROXY"] = "", ["no_proxy"] = "",
        });
        Assert.Equal(1, exit);
        Assert.StartsWith("error: cannot reach www.cs.toronto.edu through the proxy http://127.0.0.1:", err);
        Assert.Contains("(from HTTPS_PROXY;", err);
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public void Report_of_a_missing_export_leaves_no_output_folder()
    {
        var output = Path.Combine(Tiny.TempDir(), "report", "here");
        var (exit, err) = Cli($"report {output}-missing.json -o {output}");
        Assert.Equal(2, exit);
        Assert.Equal($"error: {output}-missing.json: no such file", err);
        Assert.False(Directory.Exists(Path.GetDirectoryName(output)));
    }

    [Fact]
    public void A_run_that_fails_before_its_first_checkpoint_leaves_no_run_folder_and_an_existing_one_is_kept()
    {
        var parent = Tiny.TempDir();
        var run = Path.Combine(parent, "runs", "bad-data");
        var (exit, err) = Cli($"search {TinyArgs} --epochs 1 --data {parent}/no-such-data --out {run}");
        Assert.Equal(2, exit);
        Assert.Contains("no such file or folder", err);
        Assert.False(Directory.Exists(Path.Combine(parent, "runs")));

        // diverged in its first epoch: no config.json and empty epochs.jsonl left behind
        (exit, err) = Cli($"search {TinyArgs} --epochs 1 --lr 1e30 --out {run}");
        Assert.Equal(3, exit);
        Assert.Contains("became NaN", err);
        Assert.False(Directory.Exists(Path.Combine(parent, "runs")));

        // a folder the command did not create is never removed
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "mine.txt"), "kept");
        (exit, _) = Cli($"search {TinyArgs} --epochs 1 --data {parent}/no-such-data --out {run}");
        Assert.Equal(2, exit);
        Assert.True(File.Exists(Path.Combine(run, "mine.txt")));
    }
}
