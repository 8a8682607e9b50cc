namespace SingleDarts.Search.Data;

/// <summary>
/// Unpacks a downloaded dataset archive into its dataset root: only the regular files under the
/// dataset's top folder (links and anything else are not written), every path checked to stay inside
/// the folder, first into a temporary folder beside the target (same file system), then renamed into place.
/// </summary>
internal static class ArchiveUnpacker
{
    public static string Unpack(string archive, DownloadableDataset dataset, string root)
    {
        var target = dataset.FolderIn(root);
        var temp = Path.Combine(root, $".{dataset.Folder}.unpacking-{Guid.NewGuid():N}");
        var unpacked = Path.Combine(temp, dataset.Folder);
        var prefix = dataset.Folder + "/";
        try
        {
            Directory.CreateDirectory(unpacked);
            // ArchiveReader yields regular files only, names relative; links and paths that leave the archive it skips
            // and counts: a link is not written, a path that leaves refuses the whole archive
            var skipped = new ArchiveReader.SkippedEntries();
            foreach (var (name, data) in ArchiveReader.Entries(archive, n => n.StartsWith(prefix, StringComparison.Ordinal), skipped))
            {
                if (data is null) continue;
                var relative = name[prefix.Length..];
                var path = Path.GetFullPath(Path.Combine(unpacked, relative));
                if (relative.Length == 0 || relative.Split('/').Contains("..") || !path.StartsWith(unpacked + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    throw new DownloadException($"{archive}: entry {name} points outside {dataset.Folder}/; nothing was unpacked");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, data);
            }
            if (skipped.FirstOutside is { } outside)
                throw new DownloadException($"{archive}: entry {outside} points outside {dataset.Folder}/; nothing was unpacked");
            foreach (var file in dataset.Files.Where(f => !File.Exists(Path.Combine(unpacked, f))))
                throw new DownloadException($"{archive}: {prefix}{file} is missing from the archive; nothing was unpacked");
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);   // an incomplete copy (a whole one is never unpacked again)
            Directory.Move(unpacked, target);
            return target;
        }
        catch (DataException ex)
        {
            throw new DownloadException($"{ex.Message}; nothing was unpacked");   // a damaged archive
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DownloadException($"{archive}: cannot unpack into {root} ({ex.Message}); nothing was unpacked");
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }
}
