using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Checkpoints;

/// <summary>
/// A file of named CPU tensors plus a JSON header: magic, header length, header (metadata and an
/// index of the tensors with a SHA-256 of the payload), payload. Written to a temporary file and
/// renamed, so a crash never leaves a torn file under the final name; verified on load.
/// </summary>
public static class TensorArchive
{
    private static readonly byte[] Magic = "SDARTS\u0001\n"u8.ToArray();

    private sealed record Entry(string Name, string Dtype, long[] Shape, long Offset, long Length);

    private sealed record Header(JsonElement Metadata, List<Entry> Tensors, string PayloadSha256);

    public static void Write(string path, object metadata, IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        var entries = new List<Entry>();
        var payload = new MemoryStream();
        foreach (var (name, t) in tensors)
        {
            using var cpu = t.detach().cpu().contiguous();
            var bytes = cpu.bytes;
            entries.Add(new Entry(name, cpu.dtype.ToString(), cpu.shape, payload.Position, bytes.Length));
            payload.Write(bytes);
        }
        var meta = JsonSerializer.SerializeToElement(metadata, metadata.GetType(), Json.Line);
        var header = new Header(meta, entries, Convert.ToHexString(SHA256.HashData(payload.GetBuffer().AsSpan(0, (int)payload.Length))));
        var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header, Json.Line);

        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            fs.Write(Magic);
            fs.Write(BitConverter.GetBytes((long)headerBytes.Length));
            fs.Write(headerBytes);
            payload.Position = 0;
            payload.CopyTo(fs);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads an archive; throws <see cref="InvalidDataException"/> naming the file if it is not one or is damaged.</summary>
    public static (JsonElement Metadata, Dictionary<string, Tensor> Tensors) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + 8 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a SingleDarts checkpoint");
        var headerLength = BitConverter.ToInt64(bytes, Magic.Length);
        var headerStart = Magic.Length + 8;
        if (headerLength <= 0 || headerStart + headerLength > bytes.Length)
            throw new InvalidDataException($"{path}: truncated checkpoint header");
        Header header;
        try
        {
            header = JsonSerializer.Deserialize<Header>(bytes.AsSpan(headerStart, (int)headerLength), Json.Line)
                ?? throw new InvalidDataException($"{path}: empty checkpoint header");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: unreadable checkpoint header ({ex.Message})");
        }
        var payload = bytes.AsSpan((int)(headerStart + headerLength));
        if (Convert.ToHexString(SHA256.HashData(payload)) != header.PayloadSha256)
            throw new InvalidDataException($"{path}: checkpoint payload is damaged (checksum mismatch)");

        var tensors = new Dictionary<string, Tensor>();
        foreach (var e in header.Tensors)
        {
            if (!Enum.TryParse<ScalarType>(e.Dtype, out var dtype) || e.Offset < 0 || e.Offset + e.Length > payload.Length)
                throw new InvalidDataException($"{path}: bad entry for tensor '{e.Name}'");
            var t = empty(e.Shape, dtype);
            if (t.bytes.Length != e.Length)
                throw new InvalidDataException($"{path}: tensor '{e.Name}' has {e.Length} bytes, its shape needs {t.bytes.Length}");
            t.bytes = payload.Slice((int)e.Offset, (int)e.Length);
            tensors[e.Name] = t;
        }
        return (header.Metadata, tensors);
    }
}
