using System.Security.Cryptography;
using System.Text.Json;

namespace SingleDarts.Search.IO;

/// <summary>
/// The one file layout of checkpoints and dataset caches: magic bytes, a length-prefixed JSON
/// header that records the SHA-256 of what follows, then the payload. Written to a temporary file
/// in the same folder and renamed, so a crash never leaves a torn file under the final name.
/// </summary>
public static class HeaderedFile
{
    /// <param name="header">builds the header from the payload's SHA-256 (hex).</param>
    public static void Write<THeader>(string path, ReadOnlySpan<byte> magic, Func<string, THeader> header, MemoryStream payload, JsonSerializerOptions json)
    {
        var sha = Convert.ToHexString(SHA256.HashData(payload.GetBuffer().AsSpan(0, (int)payload.Length)));
        var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header(sha), json);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp");
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            fs.Write(magic);
            fs.Write(BitConverter.GetBytes((long)headerBytes.Length));
            fs.Write(headerBytes);
            payload.Position = 0;
            payload.CopyTo(fs);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>
    /// Reads and verifies a file; throws <see cref="InvalidDataException"/> saying what is wrong
    /// (not this kind of file, truncated, unreadable header, checksum mismatch).
    /// </summary>
    public static (THeader Header, Memory<byte> Payload) Read<THeader>(string path, ReadOnlySpan<byte> magic, Func<THeader, string> sha, JsonSerializerOptions json, string kind)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < magic.Length + 8 || !bytes.AsSpan(0, magic.Length).SequenceEqual(magic))
            throw new InvalidDataException($"{path}: not a SingleDarts {kind}");
        var headerLength = BitConverter.ToInt64(bytes, magic.Length);
        var headerStart = magic.Length + 8;
        if (headerLength <= 0 || headerStart + headerLength > bytes.Length)
            throw new InvalidDataException($"{path}: truncated {kind} header");
        THeader header;
        try
        {
            header = JsonSerializer.Deserialize<THeader>(bytes.AsSpan(headerStart, (int)headerLength), json)
                ?? throw new InvalidDataException($"{path}: empty {kind} header");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: unreadable {kind} header ({ex.Message})");
        }
        var payload = bytes.AsMemory((int)(headerStart + headerLength));
        if (Convert.ToHexString(SHA256.HashData(payload.Span)) != sha(header))
            throw new InvalidDataException($"{path}: {kind} payload is damaged (checksum mismatch)");
        return (header, payload);
    }
}
