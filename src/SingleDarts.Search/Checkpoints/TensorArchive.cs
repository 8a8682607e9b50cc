using System.Text.Json;
using SingleDarts.Search.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Checkpoints;

/// <summary>
/// Named CPU tensors in a <see cref="HeaderedFile"/>: the header holds the metadata and an index
/// (name, dtype, shape, offset, length) of the raw tensor bytes that follow.
/// </summary>
public static class TensorArchive
{
    private static readonly byte[] Magic = "SDARTS\u0001\n"u8.ToArray();

    private sealed record Entry(string Name, string Dtype, long[] Shape, long Offset, long Length);

    private sealed record Header(JsonElement Metadata, List<Entry> Tensors, string PayloadSha256);

    /// <summary>The archive's bytes (a checkpoint store writes them atomically).</summary>
    public static byte[] Serialize(object metadata, IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        var entries = new List<Entry>();
        var payload = new MemoryStream();
        foreach (var (name, t) in tensors)
        {
            using var scope = NewDisposeScope();
            var cpu = t.detach().cpu().contiguous();
            var bytes = cpu.bytes;
            entries.Add(new Entry(name, cpu.dtype.ToString(), cpu.shape, payload.Position, bytes.Length));
            payload.Write(bytes);
        }
        var meta = JsonSerializer.SerializeToElement(metadata, metadata.GetType(), Json.Line);
        return HeaderedFile.Serialize(Magic, sha => new Header(meta, entries, sha), payload, Json.Line);
    }

    /// <summary>Reads an archive; throws <see cref="InvalidDataException"/> naming the file if it is not one or is damaged.</summary>
    public static (JsonElement Metadata, Dictionary<string, Tensor> Tensors) Read(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Parses an archive's bytes; <paramref name="name"/> (a path, a blob) names it in errors.</summary>
    public static (JsonElement Metadata, Dictionary<string, Tensor> Tensors) Parse(byte[] bytes, string name)
    {
        var path = name;
        var (header, payload) = HeaderedFile.Parse<Header>(bytes, name, Magic, h => h.PayloadSha256, Json.Line, "checkpoint");
        var tensors = new Dictionary<string, Tensor>();
        foreach (var e in header.Tensors)
        {
            if (!Enum.TryParse<ScalarType>(e.Dtype, out var dtype) || e.Offset < 0 || e.Offset + e.Length > payload.Length)
                throw new InvalidDataException($"{path}: bad entry for tensor '{e.Name}'");
            var t = empty(e.Shape, dtype);
            if (t.bytes.Length != e.Length)
                throw new InvalidDataException($"{path}: tensor '{e.Name}' has {e.Length} bytes, its shape needs {t.bytes.Length}");
            t.bytes = payload.Span.Slice((int)e.Offset, (int)e.Length);
            tensors[e.Name] = t;
        }
        return (header.Metadata, tensors);
    }
}
