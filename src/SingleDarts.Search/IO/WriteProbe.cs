namespace SingleDarts.Search.IO;

/// <summary>
/// Whether files can be written in a folder, found out by writing one (permissions, read-only mounts and
/// a path through a file all show up), before a command spends time on work it could not save.
/// </summary>
public static class WriteProbe
{
    /// <summary>Creates <paramref name="folder"/> if need be and writes a file there; null when that works, else why not, in a few words.</summary>
    public static string? Unwritable(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            using var probe = new FileStream(Path.Combine(folder, $".write-test-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.Write,
                FileShare.None, 1, FileOptions.DeleteOnClose);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex switch
            {
                UnauthorizedAccessException => "permission denied",
                DirectoryNotFoundException => "the folder cannot be created there",
                FileNotFoundException => "files cannot be created there",
                _ => ex.Message.TrimEnd('.'),
            };
        }
    }
}
