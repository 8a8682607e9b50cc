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

    /// <summary>The outermost folder of <paramref name="path"/> that does not exist yet: what creating it would create; null when it exists.</summary>
    public static string? FirstMissing(string path)
    {
        string? missing = null;
        for (var d = Path.GetFullPath(path); d is not null && !Directory.Exists(d) && !File.Exists(d); d = Path.GetDirectoryName(d)) missing = d;
        return missing;
    }

    /// <summary>
    /// Runs <paramref name="body"/>, which writes in the folder <paramref name="path"/>; when it fails, removes the folders
    /// this command created for it (<see cref="FirstMissing"/> before it started, never one that existed), unless
    /// <paramref name="worthKeeping"/> says the folder holds something to continue from.
    /// </summary>
    public static T RemoveCreatedOnFailure<T>(string? created, Func<T> body, Func<bool>? worthKeeping = null)
    {
        try
        {
            return body();
        }
        catch
        {
            Remove(created, worthKeeping);
            throw;
        }
    }

    /// <summary><see cref="RemoveCreatedOnFailure{T}"/> for work that is awaited.</summary>
    public static async Task<T> RemoveCreatedOnFailureAsync<T>(string? created, Func<Task<T>> body, Func<bool>? worthKeeping = null)
    {
        try
        {
            return await body();
        }
        catch
        {
            Remove(created, worthKeeping);
            throw;
        }
    }

    private static void Remove(string? created, Func<bool>? worthKeeping)
    {
        if (created is null || !Directory.Exists(created) || worthKeeping?.Invoke() == true) return;
        try
        {
            Directory.Delete(created, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // the failure is what the user needs to hear; a folder left behind is not worth a second error
        }
    }
}
