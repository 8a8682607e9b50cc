using System.Text;
using Orleans.Storage;
using SingleDarts.Search.IO;

namespace SingleDarts.Hosting.Storage;

/// <summary>
/// Grain state as files in a folder (<c>local</c> storage with <c>GrainState: folder</c>): one
/// file per grain, written atomically, with an ETag for Orleans' optimistic concurrency. Every
/// silo on one machine (or on a shared disk) sees the same state, so a seed or sweep whose silo is
/// lost is picked up by another; a restarted single-silo sweep finds its state again.
/// </summary>
public sealed class FileGrainStorage(string root, IGrainStorageSerializer serializer) : IGrainStorage
{
    private static readonly byte[] Magic = "SDSTATE1"u8.ToArray();

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        if (!File.Exists(path))
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }
        var (etag, payload) = ReadFile(path);
        grainState.State = serializer.Deserialize<T>(new BinaryData(payload));
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        CheckETag(path, grainState.ETag);
        var etag = Guid.NewGuid().ToString("N");
        var payload = serializer.Serialize(grainState.State).ToArray();
        var etagBytes = Encoding.ASCII.GetBytes(etag);
        var bytes = new byte[Magic.Length + 1 + etagBytes.Length + payload.Length];
        Magic.CopyTo(bytes, 0);
        bytes[Magic.Length] = (byte)etagBytes.Length;
        etagBytes.CopyTo(bytes, Magic.Length + 1);
        payload.CopyTo(bytes, Magic.Length + 1 + etagBytes.Length);
        AtomicFile.Write(path, bytes);
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        CheckETag(path, grainState.ETag);
        File.Delete(path);
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
        return Task.CompletedTask;
    }

    private static void CheckETag(string path, string? expected)
    {
        var stored = File.Exists(path) ? ReadFile(path).ETag : null;
        if (stored != expected)
            throw new InconsistentStateException($"{path} was written by another activation (ETag {stored ?? "none"}, expected {expected ?? "none"})",
                stored ?? "", expected ?? "");
    }

    private static (string ETag, byte[] Payload) ReadFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + 1 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a SingleDarts grain state file");
        var etagLength = bytes[Magic.Length];
        var etag = Encoding.ASCII.GetString(bytes, Magic.Length + 1, etagLength);
        return (etag, bytes[(Magic.Length + 1 + etagLength)..]);
    }

    /// <summary>root/state-name/grain-type/key, the key escaped for a file name.</summary>
    private string PathOf(string stateName, GrainId grainId)
    {
        var key = Uri.EscapeDataString(grainId.Key.ToString()!);
        return Path.Combine(root, Uri.EscapeDataString(stateName), Uri.EscapeDataString(grainId.Type.ToString()!), key + ".state");
    }
}
