using System.Text.Json.Nodes;

namespace SingleDarts.Search.Tests;

/// <summary>The real <c>singledarts</c> program, run as a separate process.</summary>
[Trait("Category", "integration")]
public class CliTests
{
    private const string TinyArgs = "--channels 2 --cells 1 --image-size 8 --train-size 64 --synthetic-classes 4 --batch-size 16 --threads 1";

    private static (int Exit, string[] Out, string Err) Cli(string args)
    {
        var (exit, stdout, stderr) = CliProcess.Run(args);
        return (exit, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), stderr);
    }

    [Theory]
    [InlineData("search --method darts-v9", "--method")]
    [InlineData("search --epochs 0", "--epochs must be positive")]
    [InlineData("search --channels -3", "--channels must be positive")]
    [InlineData("search --epochs many", "many")]
    [InlineData("search --relax tanh", "--relax")]
    [InlineData("search --train-portion 1 --method darts-v1", "--train-portion")]
    [InlineData("search --resume", "--resume needs --out")]
    [InlineData("search --resume --out /nonexistent/run", "--resume: no such run folder: /nonexistent/run")]
    [InlineData("search --device tpu", "--device")]
    [InlineData("search --threads 100000", "--threads must be in 1..256 (libtorch threads; this machine has ")]
    [InlineData("evaluate --space nb201 --arch resnet --threads 0", "--threads must be in 1..256")]
    [InlineData("search --checkpoint-retry -1", "--checkpoint-retry must be a number of seconds in 0..604800, got -1")]
    [InlineData("search --space darts --cells 2", "--cells must be at least 3 in the darts space")]
    [InlineData("search --space nas101", "--space")]
    [InlineData("search --image-size 7", "--image-size must be a multiple of 4")]
    [InlineData("search --lr 1e309", "--lr must be a positive finite number, got Infinity")]
    [InlineData("search --arch-lr Infinity", "--arch-lr must be a positive finite number")]
    [InlineData("search --lr -0.1", "--lr must be a positive finite number, got -0.1")]     // one line: --lr-min is not blamed for it
    [InlineData("evaluate --space nb201 --arch resnet --image-size 10", "--image-size must be a multiple of 4")]
    [InlineData("evaluate --space darts", "--arch: a darts genotype is needed")]
    [InlineData("evaluate --space darts --arch darts_v9", "(or a name: darts_v1, darts_v2)")]
    [InlineData("evaluate --space nb201 --arch \"|nor_conv_3x3~0|+|none~0|\"", "--arch: ")]
    [InlineData("evaluate --space nb201 --arch resnet --drop-path 0.2", "--drop-path: the nb201 evaluation network has no drop-path")]
    [InlineData("evaluate --space darts --arch darts_v2 --image-size 16", "--auxiliary-weight needs images of at least 32 px")]
    [InlineData("evaluate --space darts --arch darts_v2 --cutout -1", "--cutout must not be negative")]
    [InlineData("evaluate --resume --out /nonexistent/run", "--resume: no such run folder: /nonexistent/run")]
    [InlineData("evaluate --dry-run --resume --out /nonexistent/run", "--dry-run builds a new network: it cannot --resume a run")]
    [InlineData("evaluate --dry-run --space darts --arch \"Genotype(normal=[x\"", "--arch: genotype: expected '('")]
    [InlineData("search --epochs 1 --out /proc/forbidden", "--out /proc/forbidden: cannot write there (")]
    [InlineData("search --epochs 1 --out /etc/passwd", "--out /etc/passwd: a file of that name exists; name a folder")]
    [InlineData("evaluate --space nb201 --arch resnet --out /etc/passwd", "--out /etc/passwd: a file of that name exists")]
    [InlineData("report no-such-export.json -o /proc/forbidden", "--out /proc/forbidden: cannot write there (")]
    [InlineData("sweep export some-sweep --out /proc/forbidden/x.csv", "--out /proc/forbidden/x.csv: cannot write in /proc/forbidden (")]
    [InlineData("sweep export some-sweep --out /tmp", "--out /tmp: a folder of that name exists; name a file")]
    public void Bad_options_fail_with_one_line_and_exit_code_2(string args, string expected)
    {
        var (exit, _, err) = Cli(args);
        Assert.Equal(2, exit);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void A_resume_of_the_other_kind_of_run_says_what_the_folder_holds()
    {
        // one run driver, one resume check: a search folder is not an evaluation's, and the other way round
        var search = Tiny.TempDir();
        Assert.Equal(0, Cli($"search {TinyArgs} --epochs 1 --out {search}").Exit);
        var (exit, _, err) = Cli($"evaluate --resume --out {search}");
        Assert.Equal(2, exit);
        Assert.Equal($"error: --resume: {search} holds a search, not an evaluation: continue it with `singledarts search --resume`", err.Trim());

        var evaluation = Tiny.TempDir();
        Assert.Equal(0, Cli($"evaluate --space nb201 --arch resnet --epochs 1 --channels 2 --cells 1 --image-size 8 --train-size 64 --synthetic-classes 4 --batch-size 16 --threads 1 --out {evaluation}").Exit);
        (exit, _, err) = Cli($"search --resume --out {evaluation}");
        Assert.Equal(2, exit);
        Assert.Equal($"error: --resume: {evaluation} holds an evaluation, not a search: continue it with `singledarts evaluate --resume`", err.Trim());
    }

    [Fact]
    public void Evaluate_trains_a_published_genotype_by_name_writes_the_run_folder_and_resumes_it_bit_identical()
    {
        const string args = "evaluate --space darts --arch DARTS_V2 --channels 2 --cells 3 --image-size 8 --train-size 64 --test-size 8 --synthetic-classes 4 " +
                            "--batch-size 16 --threads 1 --auxiliary-weight 0 --cutout 4";
        var straight = Tiny.TempDir();
        var (exit, stdout, err) = Cli($"{args} --epochs 2 --out {straight}");
        Assert.True(exit == 0, err);
        Assert.StartsWith("test accuracy: ", stdout[^1]);
        Assert.Contains("after 2 epochs (8 test images", stdout[^1]);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(straight, "config.json")))!;
        Assert.Equal("evaluation", (string?)config["kind"]);
        Assert.StartsWith("Genotype(normal=[('sep_conv_3x3', 0)", (string?)config["options"]!["arch"]);    // the name resolved to the genotype
        Assert.Equal(0.2, (double)config["options"]!["drop_path"]!);                                       // the space's protocol where not given
        Assert.Equal(5.0, (double)config["options"]!["grad_clip"]!);

        // the same run, as if killed after epoch 1 (its last checkpoint gone), continued: the same lines (timings aside)
        var first = Tiny.TempDir();
        Assert.Equal(0, Cli($"{args} --epochs 2 --out {first}").Exit);
        foreach (var ckpt in Directory.GetFiles(Path.Combine(first, "checkpoints")).Order().Skip(1)) File.Delete(ckpt);
        (exit, stdout, err) = Cli($"evaluate --resume --out {first} --threads 1");
        Assert.True(exit == 0, err);
        Assert.Contains(stdout, l => l.StartsWith("resuming after epoch 1", StringComparison.Ordinal));
        static string[] Lines(string dir) => [.. File.ReadAllLines(Path.Combine(dir, "epochs.jsonl"))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"(step_seconds|seconds)\":[^,}]+", ""))];
        Assert.Equal(Lines(straight), Lines(first));
    }

    [Fact]
    public void Evaluate_dry_run_prints_the_pinned_size_of_a_published_genotype_and_writes_nothing()
    {
        var dir = Path.Combine(Tiny.TempDir(), "never");
        var (exit, stdout, err) = Cli($"evaluate --space darts --arch darts_v2 --dry-run --out {dir}");
        Assert.True(exit == 0, err);
        Assert.Equal(3, stdout.Length);
        Assert.StartsWith("arch: Genotype(normal=[('sep_conv_3x3', 0)", stdout[0]);
        // the DARTS paper's network (C=36, L=20): the weight counts issue 14 pins, auxiliary head apart
        Assert.Equal("darts evaluation network, C=36 L=20, 10 classes: 3,349,342 weights (+476,426 in the auxiliary head, training only)", stdout[1]);
        Assert.Equal("collapse counts: 2 skip_connect and 2 parameter-free of the 8 edges of the normal cell", stdout[2]);
        Assert.False(Directory.Exists(dir));

        (exit, stdout, err) = Cli("evaluate --space darts --arch darts_v2 --dry-run --channels 16 --cells 8 --auxiliary-weight 0 --data /tmp");
        Assert.True(exit == 0, err);
        Assert.Equal("darts evaluation network, C=16 L=8, 10 classes (assumed: a dry run reads no data): 246,106 weights", stdout[1]);
    }

    [Fact]
    public void A_darts_space_search_defaults_to_eight_cells_and_ends_with_a_darts_genotype()
    {
        var dir = Tiny.TempDir();
        var (exit, stdout, err) = Cli($"search --space darts --channels 2 --image-size 8 --train-size 32 --synthetic-classes 4 --batch-size 16 --threads 1 --epochs 1 --out {dir}");
        Assert.True(exit == 0, err);
        Assert.StartsWith("arch: Genotype(normal=[(", stdout[^1]);
        Assert.Contains("C=2 L=8", stdout[0]);      // --cells left out: the space's own default
        Assert.Equal(Abstractions.SyntheticData.Line, stdout[1]);      // synthetic data: said once, before the first epoch
        Assert.StartsWith("epoch   1/1", stdout[2]);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!;
        Assert.Equal("darts", (string?)config["options"]!["space"]);
        Assert.Equal(8, (int)config["options"]!["cells"]!);
    }

    [Fact]
    public void A_search_that_diverges_exits_with_code_3_and_one_line_naming_epoch_step_and_what()
    {
        var (exit, _, err) = Cli($"search {TinyArgs} --epochs 1 --lr 1e30 --lr-min 1e30 --grad-clip 0 --out {Tiny.TempDir()}");
        Assert.Equal(3, exit);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^error: the (training loss|gradient of (w|α)) became (NaN|Inf)( \(first in .+\))? at epoch 1, step \d+$", line);
    }

    [Fact]
    public void Libtorch_logs_nothing_about_nnpack_when_a_batch_of_one_is_evaluated()
    {
        // 33 held-out images in batches of 16 end with a batch of one: oneDNN does not take that convolution,
        // so libtorch asked NNPACK, which logged "Could not initialize NNPACK!" on CPUs it does not support
        var (exit, _, err) = Cli($"search {TinyArgs.Replace("--train-size 64", "--train-size 66", StringComparison.Ordinal)} --epochs 1 --out {Tiny.TempDir()}");
        Assert.True(exit == 0, err);
        Assert.DoesNotContain("NNPACK", err);
        TorchRuntime.Configure(1);
        Assert.False(TorchRuntime.NnpackEnabled); // off on every CPU, not only where it would have complained
    }

    [Fact]
    public void Search_writes_the_run_folder_and_ends_with_the_arch_line_and_resume_continues_it()
    {
        var dir = Tiny.TempDir();
        var (exit, stdout, err) = Cli($"search {TinyArgs} --epochs 1 --seed 4 --out {dir}");
        Assert.True(exit == 0, err);
        var result = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "result.json")))!;
        Assert.Equal($"arch: {(string?)result["arch"]}", stdout[^1]);
        Assert.Equal(4, (int)result["seed"]!);

        // an option that contradicts the run is refused; the run itself is not touched
        var (conflict, _, conflictErr) = Cli($"search --resume --out {dir} --seed 5");
        Assert.Equal(2, conflict);
        Assert.Contains("--seed", conflictErr);

        var (again, _, againErr) = Cli($"search {TinyArgs} --epochs 1 --seed 4 --out {dir}");
        Assert.Equal(2, again);
        Assert.Contains("--resume", againErr);
        Assert.Single(File.ReadAllLines(Path.Combine(dir, "epochs.jsonl")));
    }

    [Fact]
    public void Bench_prints_timings_for_every_method_as_json()
    {
        var (exit, stdout, err) = Cli("bench --channels 4 --cells 1 --image-size 8 --batch-size 8 --steps 2 --warmup 1 --threads 1 --loader false");
        Assert.True(exit == 0, err);
        var report = JsonNode.Parse(string.Join('\n', stdout))!;
        var methods = report["methods"]!.AsArray();
        Assert.Equal(MethodPresets.Names, methods.Select(m => (string)m!["method"]!));
        Assert.All(methods, m => Assert.True((double)m!["ms_per_step_median"]! > 0));
        Assert.All(methods, m => Assert.True((double)m!["peak_rss_mb"]! > 0));

        // a preset that cannot run at the sizes asked for is refused in one line, before anything is timed
        var (refused, _, why) = Cli("bench --channels 2 --cells 1 --image-size 8 --methods pc-darts --steps 1 --threads 1 --loader false");
        Assert.Equal(2, refused);
        Assert.Contains("--methods pc-darts: --partial-channels 4 must divide --channels 2", why);
        Assert.DoesNotContain("   at ", why);
    }
}

[Trait("Category", "integration")]
public class CliDataTests
{
    private static (int Exit, string[] Out, string Err) Cli(string args)
    {
        var (exit, stdout, stderr) = CliProcess.Run(args);
        return (exit, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), stderr);
    }

    [Fact]
    public void A_broken_dataset_or_table_fails_with_exit_code_2()
    {
        var folder = Fixtures.Cifar10Folder();
        File.WriteAllBytes(Path.Combine(folder, "data_batch_4.bin"), new byte[100]);
        var (exit, _, err) = Cli($"search --data {folder} --cache-dir {Tiny.TempDir()} --epochs 1");
        Assert.Equal(2, exit);
        Assert.Contains("data_batch_4.bin has 100 bytes", err);
        Assert.DoesNotContain("   at ", err);

        var table = Fixtures.Nb201Table(edit: l => l.RemoveAt(100));
        (exit, _, err) = Cli($"nb201 best --nb201 {table}");
        Assert.Equal(2, exit);
        Assert.Contains("15624 cells", err);

        (exit, _, err) = Cli($"search --data /no/such/data --epochs 1");
        Assert.Equal(2, exit);
        Assert.Contains("--data: no such file or folder", err);
    }

    [Fact]
    public void Nb201_show_and_best_print_rows_and_ranks()
    {
        var table = Fixtures.Nb201Table();
        var (exit, stdout, err) = Cli($"nb201 show \"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|\" --nb201 {table}");
        Assert.True(exit == 0, err);
        Assert.Contains(stdout, l => l.StartsWith("cifar10 ") && l.Contains("91.9700") && l.TrimEnd().EndsWith(" 1"));
        (exit, stdout, err) = Cli($"nb201 best --nb201 {table}");
        Assert.True(exit == 0, err);
        Assert.Contains(stdout, l => l.StartsWith("cifar10 ") && l.Contains("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"));
        (exit, _, err) = Cli($"nb201 show \"|nor_conv_3x3~0|\" --nb201 {table}");
        Assert.Equal(2, exit);
        Assert.Contains("node groups", err);
    }

    [Fact]
    public void Nb201_show_and_best_use_the_builtin_table_without_a_file()
    {
        var (exit, stdout, err) = Cli("nb201 best");
        Assert.True(exit == 0, err);
        Assert.Contains(stdout, l => l.StartsWith("cifar10 ", StringComparison.Ordinal) && l.Contains(" 6111 ") && l.Contains("94.3733"));

        (exit, stdout, _) = Cli("nb201 show \"|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|\"");
        Assert.Equal(0, exit);
        Assert.StartsWith("index 1835 ", stdout[0]);
        Assert.Contains(stdout, l => l.StartsWith("cifar10 ", StringComparison.Ordinal) && l.Contains("54.2967"));

        (exit, _, err) = Cli("nb201 best --nb201 none");
        Assert.Equal(2, exit);
        Assert.Contains("--nb201 none", Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Search_on_an_image_archive_with_a_table_reports_the_cells_true_accuracy_and_skips_decoding_the_second_time()
    {
        var archive = Fixtures.Pack(Fixtures.ImageFolder(["cat", "dog", "owl", "yak"], perClass: 16, size: 10), gzip: true);
        var table = Fixtures.Nb201Table();
        var cache = Tiny.TempDir();
        var args = $"--data {archive} --image-size 8 --nb201 {table} --cache-dir {cache} --channels 2 --cells 1 --batch-size 16 --threads 1 --epochs 1";
        var first = Tiny.TempDir();
        var (exit, stdout, err) = Cli($"search {args} --out {first}");
        Assert.True(exit == 0, err);
        Assert.DoesNotContain("from cache", stdout[0]);
        var result = JsonNode.Parse(File.ReadAllText(Path.Combine(first, "result.json")))!;
        var row = Spaces.Nb201.Nb201Table.Load(table).Find(Spaces.Nb201.Genotype.Parse((string)result["arch"]!))!;
        Assert.Equal(row.Cifar10, (double)result["metrics"]![Spaces.Nb201.Nb201Benchmark.TestAcc]!, 6);

        var second = Tiny.TempDir();
        (exit, stdout, err) = Cli($"search {args} --out {second}");
        Assert.True(exit == 0, err);
        Assert.Contains("from cache", stdout[0]);
        Assert.Equal((string?)result["arch"], (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(second, "result.json")))!["arch"]);
    }
}
