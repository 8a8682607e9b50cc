using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SingleDarts.Search.Data;

/// <summary>
/// Decoded datasets kept as compact uint8 files so that a second run does not decode again. The
/// file name is a hash of the source's fingerprint (path, sizes and modification times of every
/// file) and the decoding settings, so a changed source gets a new entry. Files are written
/// atomically and verified with SHA-256 on load; a damaged entry is decoded again.
/// </summary>
public sealed class DatasetCache(string directory)
{
    private const int Version = 1;
    private static readonly byte[] Magic = "SDDATA\u0001\n"u8.ToArray();

    public string Directory { get; } = directory;

    /// <summary>$SINGLEDARTS_CACHE, else $XDG_CACHE_HOME/singledarts, else ~/.cache/singledarts.</summary>
    public static string DefaultDirectory =>
        Environment.GetEnvironmentVariable("SINGLEDARTS_CACHE") is { Length: > 0 } env ? env
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "singledarts");

    private sealed record Header(int Version, string Source, string Format, string[] Classes, int Height, int Width,
        int TrainCount, int TestCount, string Sha256);

    public string PathFor(string source, string settings) =>
        Path.Combine(Directory, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{Version}|{Fingerprint(source)}|{settings}")))[..32] + ".sdds");

    public (string Format, ImageSet Train, ImageSet? Test)? TryRead(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var bytes = File.ReadAllBytes(path);
            if (!bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic)) return null;
            var headerLength = BitConverter.ToInt32(bytes, Magic.Length);
            var start = Magic.Length + 4;
            var header = JsonSerializer.Deserialize<Header>(bytes.AsSpan(start, headerLength));
            var payload = bytes.AsSpan(start + headerLength);
            if (header is null || header.Version != Version || Convert.ToHexString(SHA256.HashData(payload)) != header.Sha256) return null;
            var offset = 0;
            var train = ReadSet(payload, ref offset, header.TrainCount, header);
            var test = header.TestCount > 0 ? ReadSet(payload, ref offset, header.TestCount, header) : null;
            return (header.Format, train, test);
        }
        catch (Exception ex) when (ex is IOException or JsonException or ArgumentException)
        {
            return null; // unreadable entry: decode again
        }
    }

    public void Write(string path, string source, string format, ImageSet train, ImageSet? test)
    {
        var payload = new MemoryStream();
        WriteSet(payload, train);
        if (test is not null) WriteSet(payload, test);
        var header = new Header(Version, source, format, [.. train.ClassNames], train.Height, train.Width, train.Count, test?.Count ?? 0,
            Convert.ToHexString(SHA256.HashData(payload.GetBuffer().AsSpan(0, (int)payload.Length))));
        var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header);
        System.IO.Directory.CreateDirectory(Directory);
        var tmp = $"{path}.{Environment.ProcessId}.tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            fs.Write(Magic);
            fs.Write(BitConverter.GetBytes(headerBytes.Length));
            fs.Write(headerBytes);
            payload.Position = 0;
            payload.CopyTo(fs);
        }
        File.Move(tmp, path, overwrite: true);
    }

    private static void WriteSet(Stream s, ImageSet set)
    {
        foreach (var l in set.Labels) s.Write(BitConverter.GetBytes(l));
        s.Write(set.Pixels);
    }

    private static ImageSet ReadSet(ReadOnlySpan<byte> payload, ref int offset, int count, Header h)
    {
        var labels = new int[count];
        for (var i = 0; i < count; i++, offset += 4) labels[i] = BitConverter.ToInt32(payload.Slice(offset, 4));
        var n = count * 3 * h.Height * h.Width;
        var pixels = payload.Slice(offset, n).ToArray();
        offset += n;
        return new ImageSet(pixels, labels, h.Height, h.Width, h.Classes);
    }

    /// <summary>Path, size and modification time of the source, or of every file under a source folder.</summary>
    private static string Fingerprint(string source)
    {
        var full = Path.GetFullPath(source);
        if (File.Exists(full))
        {
            var info = new FileInfo(full);
            return $"{full}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
        }
        var sb = new StringBuilder(full);
        foreach (var file in System.IO.Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            sb.Append('|').Append(Path.GetRelativePath(full, file)).Append(':').Append(info.Length).Append(':').Append(info.LastWriteTimeUtc.Ticks);
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
