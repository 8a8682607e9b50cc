using System.Globalization;
using System.Text;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Runs;

namespace SingleDarts.Tests;

/// <summary>
/// Shared by the test projects (linked into each): the tiny search every fast test runs, and
/// scratch folders. One thread: libtorch's thread count is process-wide.
/// </summary>
internal static class TinySearch
{
    public const int Threads = 1;

    public static SearchOptions Options(string method = "single", long seed = 0, int epochs = 2) => new()
    {
        Method = method,
        Seed = seed,
        Epochs = epochs,
        Channels = 2,
        Cells = 1,
        ImageSize = 8,
        TrainSize = 128,
        SyntheticClasses = 4,
        BatchSize = 16,
        Threads = Threads,
    };

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "singledarts-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A complete NB201-shaped table: all 15,625 cells, accuracy a function of the ops.</summary>
    public static string Nb201Table(Func<Genotype, double>? cifar10 = null, Action<List<string>>? edit = null)
    {
        cifar10 ??= g => 50 + 7 * g.Ops.Count(o => o == Primitives.Conv3x3) + 1.5 * g.Ops.Count(o => o == Primitives.Conv1x1) - g.Ops[0] * 0.01;
        var lines = new List<string> { "index,arch,cifar10_test,cifar100_test,imagenet16_120_test" };
        for (var n = 0; n < 15_625; n++)
        {
            var ops = new int[6];
            var v = n;
            for (var e = 0; e < 6; e++, v /= 5) ops[e] = v % 5;
            var g = new Genotype(ops);
            var a = cifar10(g);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{n},{g},{a:F4},{a - 20:F4},{a - 40:F4}"));
        }
        edit?.Invoke(lines);
        var path = Path.Combine(TempDir(), "nb201.csv");
        File.WriteAllLines(path, lines, Encoding.UTF8);
        return path;
    }
}
