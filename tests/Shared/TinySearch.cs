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
}
