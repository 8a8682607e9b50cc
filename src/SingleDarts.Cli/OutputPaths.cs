using SingleDarts.Search.IO;
using SingleDarts.Search.Runs;

using SingleDarts.Search;

namespace SingleDarts.Cli;

/// <summary>
/// Checks an output option before any work starts, so that a path that cannot be written gets one
/// line naming the option and the cause instead of the runtime's "Could not find file" hours later.
/// </summary>
public static class OutputPaths
{
    /// <summary>Creates the folder <paramref name="path"/> (or accepts an existing one) and checks that files can be written in it.</summary>
    public static void WritableFolder(string option, string path)
    {
        if (File.Exists(path)) throw new SearchConfigException($"{option} {path}: a file of that name exists; name a folder");
        if (WriteProbe.Unwritable(path) is { } cause) throw new SearchConfigException($"{option} {path}: cannot write there ({cause})");
    }

    /// <summary>Checks that the file <paramref name="path"/> can be written: not a folder, its folder exists (or can be made) and is writable.</summary>
    public static void WritableFile(string option, string path)
    {
        if (Directory.Exists(path)) throw new SearchConfigException($"{option} {path}: a folder of that name exists; name a file");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (File.Exists(folder)) throw new SearchConfigException($"{option} {path}: {folder} is a file, not a folder");
        if (WriteProbe.Unwritable(folder) is { } cause) throw new SearchConfigException($"{option} {path}: cannot write in {folder} ({cause})");
    }
}
