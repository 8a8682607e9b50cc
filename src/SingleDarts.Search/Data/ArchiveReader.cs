using System.Formats.Tar;
using System.IO.Compression;
using SingleDarts.Search.IO;

namespace SingleDarts.Search.Data;

/// <summary>Walks the files of a folder, a .tar or a .tar.gz/.tgz the same way: relative path (with '/') and bytes.</summary>
public static class ArchiveReader
{
    public static bool IsArchive(string path) =>
        path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) || IsGzip(path);

    private static bool IsGzip(string path) =>
        path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Every regular file (path, contents) and every directory path (with a trailing '/'). Archive entries
    /// that are links or whose path leaves the archive (absolute, or with a '..' segment) are skipped and
    /// counted in <paramref name="skipped"/>. Beyond <see cref="InputLimits.ArchiveEntries"/> entries, a wanted file over
    /// <see cref="InputLimits.ArchiveEntryBytes"/> or <see cref="InputLimits.ArchiveTotalBytes"/> read in all, the source is
    /// refused (a gzip bomb says its sizes in its headers, so nothing is decompressed first).
    /// </summary>
    public static IEnumerable<(string Path, byte[]? Data)> Entries(string path, Func<string, bool> wanted, SkippedEntries? skipped = null)
    {
        if (Directory.Exists(path))
        {
            var root = Path.GetFullPath(path);
            var budget = new Budget(path);
            foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
            {
                budget.Entry();
                yield return (Relative(root, dir) + "/", null);
            }
            foreach (var full in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                budget.Entry();
                var rel = Relative(root, full);
                if (!wanted(rel)) continue;
                budget.Read(rel, new FileInfo(full).Length);
                yield return (rel, File.ReadAllBytes(full));
            }
            yield break;
        }
        if (!File.Exists(path)) throw new DataException($"{path}: no such file or folder");
        if (!IsArchive(path)) throw new DataException($"{path}: not a folder, .tar, .tar.gz or .tgz");

        using var file = File.OpenRead(path);
        using Stream stream = IsGzip(path) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var tar = new TarReader(stream);
        var limits = new Budget(path);
        while (true)
        {
            TarEntry? entry;
            try
            {
                entry = tar.GetNextEntry();
            }
            catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or IOException)
            {
                throw new DataException($"{path}: damaged archive ({ex.Message})");
            }
            if (entry is null) yield break;
            limits.Entry();
            if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
            {
                if (skipped is not null) skipped.Links++;
                continue;
            }
            var name = entry.Name.Replace('\\', '/');
            while (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
            if (name.StartsWith('/') || name.Split('/').Contains(".."))
            {
                if (skipped is not null)
                {
                    skipped.OutsidePaths++;
                    skipped.FirstOutside ??= entry.Name;
                }
                continue;
            }
            if (entry.EntryType == TarEntryType.Directory)
            {
                yield return (name.TrimEnd('/') + "/", null);
                continue;
            }
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
            if (!wanted(name)) continue;
            limits.Read(name, entry.Length);
            var data = new byte[entry.Length];
            try
            {
                entry.DataStream.ReadExactly(data);
            }
            catch (Exception ex) when (ex is EndOfStreamException or InvalidDataException or IOException)
            {
                throw new DataException($"{path}: {name} is truncated or damaged in the archive ({ex.Message})");
            }
            yield return (name, data);
        }
    }

    /// <summary>What <see cref="Entries"/> skipped of an archive, for one warning line.</summary>
    public sealed class SkippedEntries
    {
        public int Links { get; set; }
        public int OutsidePaths { get; set; }

        /// <summary>The name of the first entry whose path leaves the archive, as the archive has it.</summary>
        public string? FirstOutside { get; set; }

        public int Count => Links + OutsidePaths;

        /// <summary>"skipped 3 archive entries (2 links, 1 path outside the archive)", or null when none was.</summary>
        public string? Describe(string archive) => Count == 0 ? null :
            $"{archive}: skipped {Count} archive {(Count == 1 ? "entry" : "entries")} (" +
            string.Join(", ", new[] { (Links, "link", "links"), (OutsidePaths, "path outside the archive (absolute or with '..')", "paths outside the archive (absolute or with '..')") }
                .Where(x => x.Item1 > 0).Select(x => $"{x.Item1} {(x.Item1 == 1 ? x.Item2 : x.Item3)}")) + ")";
    }

    /// <summary>What reading one source has cost so far, against <see cref="InputLimits"/>.</summary>
    private sealed class Budget(string source)
    {
        private int entries;
        private long bytes;

        public void Entry()
        {
            if (++entries > InputLimits.ArchiveEntries) throw new DataException(InputLimits.Beyond(source, "entries", InputLimits.ArchiveEntries));
        }

        public void Read(string name, long length)
        {
            if (length > InputLimits.ArchiveEntryBytes)
                throw new DataException($"{source}: {name} is {InputLimits.Bytes(length)}, more than a file in a dataset may have ({InputLimits.Bytes(InputLimits.ArchiveEntryBytes)}; see {InputLimits.Doc})");
            if ((bytes += length) > InputLimits.ArchiveTotalBytes)
                throw new DataException($"{source}: its files come to more than a dataset may read in all ({InputLimits.Bytes(InputLimits.ArchiveTotalBytes)}; see {InputLimits.Doc})");
        }
    }

    private static string Relative(string root, string full) => Path.GetRelativePath(root, full).Replace('\\', '/');
}
