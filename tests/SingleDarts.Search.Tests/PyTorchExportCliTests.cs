using System.Globalization;
using SingleDarts.Search.Runs;

namespace SingleDarts.Search.Tests;

/// <summary><c>singledarts evaluate export</c> and <c>evaluate --init-from</c>, run as a separate process on a tiny evaluation's folder.</summary>
[Trait("Category", "integration")]
public sealed class PyTorchExportCliTests
{
    private const string TinyArgs = "--space nb201 --arch resnet --channels 2 --cells 1 --image-size 8 --train-size 64 --synthetic-classes 4 --batch-size 16 --threads 1";

    [Fact]
    public void Export_writes_the_file_and_init_from_with_no_epochs_tests_it_to_the_runs_accuracy()
    {
        var dir = Tiny.TempDir();
        var result = EvalRunner.Run(EvaluationTests.TinyEval("nb201", epochs: 1), dir);
        var file = Path.Combine(dir, "exported.pt");

        var (exit, stdout, stderr) = CliProcess.Run($"evaluate export {dir} -o {file}");
        Assert.True(exit == 0, stderr);
        Assert.Contains($"state_dict: {file} (", stdout, StringComparison.Ordinal);
        Assert.Contains("reference model: TinyNetwork(2, 1, Structure.str2structure('|nor_conv_3x3~0|+|", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(file));

        (exit, stdout, stderr) = CliProcess.Run($"evaluate {TinyArgs} --epochs 0 --init-from {file}");
        Assert.True(exit == 0, stderr);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"test accuracy: {result.TestAcc * 100:F2}% (loss "), stdout, StringComparison.Ordinal);
        Assert.Contains("as loaded, no training", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_does_not_fit_and_a_folder_that_is_not_a_run_are_one_error_line_each_exit_2()
    {
        var dir = Tiny.TempDir();
        EvalRunner.Run(EvaluationTests.TinyEval("nb201", epochs: 1), dir);
        var (exit, _, stderr) = CliProcess.Run($"evaluate {TinyArgs.Replace("--channels 2", "--channels 4", StringComparison.Ordinal)} --epochs 0 --init-from {Path.Combine(dir, EvalExport.FileName)}");
        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --init-from ", line, StringComparison.Ordinal);
        Assert.Contains("key 'stem.0.weight' has shape [2, 3, 3, 3], the network's is [4, 3, 3, 3]", line, StringComparison.Ordinal);

        (exit, _, stderr) = CliProcess.Run($"evaluate export {Path.Combine(dir, "checkpoints")}");
        Assert.Equal(2, exit);
        Assert.Contains("is not a run folder (no config.json)", stderr, StringComparison.Ordinal);
    }
}
