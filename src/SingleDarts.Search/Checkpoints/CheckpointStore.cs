using System.Globalization;
using System.Text.RegularExpressions;
using SingleDarts.Search.IO;

namespace SingleDarts.Search.Checkpoints;

/// <summary>
/// Where a run's checkpoints live, one per finished epoch. A write is atomic: a reader sees a
/// checkpoint whole or not at all. Implementations: a local folder (<see cref="LocalCheckpointStore"/>)
/// and Azure Blob storage (in the hosting layer).
/// </summary>
public interface ICheckpointStore
{
    /// <summary>Where the checkpoints are, for messages (a folder, a container and prefix).</summary>
    string Location { get; }

    /// <summary>The epochs that have a checkpoint, ascending.</summary>
    IReadOnlyList<int> Epochs();

    void Write(int epoch, byte[] bytes);
    byte[] Read(int epoch);
    void Delete(int epoch);

    /// <summary>The name of one checkpoint (a path, a blob URI without credentials).</summary>
    string NameOf(int epoch);
}

/// <summary>
/// The store could not be read or written. Transient failures (an outage, a lost mount) are retried before a run gives up;
/// a full disk or quota is not: waiting frees no space.
/// </summary>
public sealed class CheckpointStoreException(string message, bool transient, Exception? inner = null) : Exception(message, inner)
{
    public bool Transient { get; } = transient;
}

/// <summary>Checkpoints as files <c>epoch-0004.ckpt</c> in a folder, written atomically (temporary file, flush, rename).</summary>
public sealed partial class LocalCheckpointStore(string folder) : ICheckpointStore
{
    public string Folder { get; } = Path.GetFullPath(folder);
    public string Location => Folder;

    public IReadOnlyList<int> Epochs()
    {
        if (!Directory.Exists(Folder)) return [];
        try
        {
            return [.. Directory.EnumerateFiles(Folder, "epoch-*.ckpt").Select(f => FileName().Match(Path.GetFileName(f)))
                .Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order()];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointStoreException($"cannot list checkpoints in {Folder}: {ex.Message}", ex is IOException, ex);
        }
    }

    public void Write(int epoch, byte[] bytes)
    {
        try
        {
            AtomicFile.Write(NameOf(epoch), bytes);
        }
        catch (DiskFullException ex)
        {
            throw new CheckpointStoreException(ex.Message, transient: false, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a lost mount may clear up; a permission problem will not
            throw new CheckpointStoreException($"cannot write {NameOf(epoch)}: {ex.Message}", ex is IOException, ex);
        }
    }

    public byte[] Read(int epoch)
    {
        try
        {
            return File.ReadAllBytes(NameOf(epoch));
        }
        catch (FileNotFoundException ex)
        {
            throw new CheckpointStoreException($"{NameOf(epoch)} is gone", transient: false, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointStoreException($"cannot read {NameOf(epoch)}: {ex.Message}", ex is IOException, ex);
        }
    }

    public void Delete(int epoch)
    {
        try
        {
            File.Delete(NameOf(epoch));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointStoreException($"cannot delete {NameOf(epoch)}: {ex.Message}", ex is IOException, ex);
        }
    }

    public string NameOf(int epoch) => Path.Combine(Folder, string.Create(CultureInfo.InvariantCulture, $"epoch-{epoch:D4}.ckpt"));

    [GeneratedRegex(@"^epoch-(\d+)\.ckpt$")]
    private static partial Regex FileName();
}
