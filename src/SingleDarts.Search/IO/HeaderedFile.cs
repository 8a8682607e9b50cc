using System.Security.Cryptography;
using System.Text.Json;

namespace SingleDarts.Search.IO;

/// <summary>
/// The one file layout of checkpoints and dataset caches: magic bytes, a length-prefixed JSON
/// header that records the SHA-256 of what follows, then the payload. Files are written to a
/// temporary name in the same folder, flushed to disk and renamed, so a crash never leaves a torn
/// file under the final name.
/// </summary>
public static class HeaderedFile
{
    /// <param name="header">builds the header from the payload's SHA-256 (hex).</param>
    public static void Write<THeader>(string path, ReadOnlySpan<byte> magic, Func<string, THeader> header, MemoryStream payload, JsonSerializerOptions json) =>
        AtomicFile.Write(path, Serialize(magic, header, payload, json));

    /// <summary>The whole file's bytes.</summary>
    public static byte[] Serialize<THeader>(ReadOnlySpan<byte> magic, Func<string, THeader> header, MemoryStream payload, JsonSerializerOptions json)
    {
        var body = payload.GetBuffer().AsSpan(0, (int)payload.Length);
        var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header(Convert.ToHexString(SHA256.HashData(body))), json);
        var bytes = new byte[magic.Length + 8 + headerBytes.Length + body.Length];
        magic.CopyTo(bytes);
        BitConverter.TryWriteBytes(bytes.AsSpan(magic.Length), (long)headerBytes.Length);
        headerBytes.CopyTo(bytes.AsSpan(magic.Length + 8));
        body.CopyTo(bytes.AsSpan(magic.Length + 8 + headerBytes.Length));
        return bytes;
    }

    /// <summary>
    /// Reads and verifies a file; throws <see cref="InvalidDataException"/> saying what is wrong
    /// (not this kind of file, truncated, unreadable header, checksum mismatch).
    /// </summary>
    public static (THeader Header, Memory<byte> Payload) Read<THeader>(string path, ReadOnlySpan<byte> magic, Func<THeader, string> sha, JsonSerializerOptions json, string kind) =>
        Parse(File.ReadAllBytes(path), path, magic, sha, json, kind);

    /// <param name="name">names the bytes in error messages (a path, a blob).</param>
    public static (THeader Header, Memory<byte> Payload) Parse<THeader>(byte[] bytes, string name, ReadOnlySpan<byte> magic, Func<THeader, string> sha, JsonSerializerOptions json, string kind)
    {
        if (bytes.Length < magic.Length + 8 || !bytes.AsSpan(0, magic.Length).SequenceEqual(magic))
            throw new InvalidDataException($"{name}: not a SingleDarts {kind}");
        var headerLength = BitConverter.ToInt64(bytes, magic.Length);
        var headerStart = magic.Length + 8;
        if (headerLength <= 0 || headerStart + headerLength > bytes.Length)
            throw new InvalidDataException($"{name}: truncated {kind} header");
        THeader header;
        try
        {
            header = JsonSerializer.Deserialize<THeader>(bytes.AsSpan(headerStart, (int)headerLength), json)
                ?? throw new InvalidDataException($"{name}: empty {kind} header");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{name}: unreadable {kind} header ({ex.Message})");
        }
        var payload = bytes.AsMemory((int)(headerStart + headerLength));
        if (Convert.ToHexString(SHA256.HashData(payload.Span)) != sha(header))
            throw new InvalidDataException($"{name}: {kind} payload is damaged (checksum mismatch)");
        return (header, payload);
    }
}

/// <summary>Whole-file writes that a crash cannot tear: a temporary file in the same folder, flushed to disk, renamed.</summary>
public static class AtomicFile
{
    /// <exception cref="DiskFullException">the file system is full; nothing is left behind and an earlier file of that name is intact.</exception>
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp");
        try
        {
            Directory.CreateDirectory(dir);
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception ex)
        {
            TryDelete(tmp);     // a full disk leaves no half-written temporary behind
            if (ex is IOException io && DiskFullException.Is(io) && io is not DiskFullException) throw new DiskFullException(full, bytes.Length, io);
            throw;
        }
    }

    /// <summary>Appends <paramref name="bytes"/> whole or not at all: a failed append (a full disk) is cut off again, so no torn line stays.</summary>
    /// <exception cref="DiskFullException">the file system is full.</exception>
    public static void Append(string path, ReadOnlySpan<byte> bytes)
    {
        using var fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);     // unbuffered: a failed write is not retried on dispose
        var length = fs.Length;
        try
        {
            fs.Write(bytes);
        }
        catch (IOException ex)
        {
            try
            {
                fs.SetLength(length);
            }
            catch (IOException)
            {
            }
            if (DiskFullException.Is(ex) && ex is not DiskFullException) throw new DiskFullException(path, bytes.Length, ex);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
