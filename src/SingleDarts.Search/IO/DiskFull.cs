using System.Globalization;

namespace SingleDarts.Search.IO;

/// <summary>
/// A write failed because the file system (or the user's quota) is full. Not transient in any useful sense:
/// waiting does not free space, so a run stops at once with one line saying what, where and how much.
/// </summary>
public sealed class DiskFullException(string path, long needed, IOException inner)
    : IOException(Describe(path, needed), inner)
{
    public string Path { get; } = path;
    public long Needed { get; } = needed;

    /// <summary>ENOSPC and EDQUOT on Linux (the runtime's HResult is the errno), ERROR_DISK_FULL/ERROR_HANDLE_DISK_FULL on Windows.</summary>
    public static bool Is(Exception ex) => ex is DiskFullException || ex is IOException io && (io.HResult is Enospc or Edquot
        || (io.HResult & 0xFFFF) is 112 or 39 && (io.HResult & unchecked((int)0xFFFF0000)) == unchecked((int)0x80070000));

    public const int Enospc = 28, Edquot = 122;

    private static string Describe(string path, long needed)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? path;
        var free = FreeBytes(folder);
        return string.Create(CultureInfo.InvariantCulture,
            $"no space left on the device of {folder}: writing {System.IO.Path.GetFileName(path)} needs {Bytes(needed)}, {(free is { } f ? Bytes(f) : "an unknown amount")} free");
    }

    /// <summary>Bytes a user may still write in <paramref name="folder"/>'s file system; null when it cannot be said.</summary>
    public static long? FreeBytes(string folder)
    {
        try
        {
            return new DriveInfo(folder).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Bytes(long n) => n switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{n} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{n / 1024.0:0.#} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{n / (1024.0 * 1024):0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{n / (1024.0 * 1024 * 1024):0.##} GiB"),
    };
}
