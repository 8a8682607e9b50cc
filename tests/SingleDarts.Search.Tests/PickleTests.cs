using System.Buffers.Binary;
using System.Collections;
using System.IO.Compression;
using System.Security.Cryptography;
using SingleDarts.Search.Data;
using SingleDarts.Search.Data.Pickles;
using SingleDarts.Search.IO;

namespace SingleDarts.Search.Tests;

/// <summary>Pickles as numpy and CPython write them, read back; and pickles that must be refused with one line.</summary>
[Trait("Category", "unit")]
public class PickleTests
{
    /// <summary>Pickles/make-reference-pickles.py's arrays: (i·31 + p·7 + seed) mod 256.</summary>
    private static byte[] Pix(int rows, int seed)
    {
        var data = new byte[rows * 768];
        for (var i = 0; i < rows; i++)
            for (var p = 0; p < 768; p++) data[i * 768 + p] = (byte)((i * 31 + p * 7 + seed) % 256);
        return data;
    }

    /// <summary>Its dict A: a training batch's keys, 3 images.</summary>
    private static (string, object)[] ReferenceA()
    {
        var a = Pix(3, 5);
        var mean = Enumerable.Range(0, 768).Select(p => (a[p] + a[768 + p] + a[1536 + p]) / 3.0).ToArray();
        return [("data", NdArray.UInt8(a, 3, 768)), ("labels", new long[] { 1, 120, 1000 }), ("mean", NdArray.Float64(mean))];
    }

    [Fact]
    public void The_writer_writes_byte_for_byte_what_cpython_and_numpy_write_with_protocol_2()
    {
        // SHA-256 of pickle.dumps(d, protocol=2), printed by Pickles/make-reference-pickles.py (CPython 3.11.2, numpy 1.24.2)
        Assert.Equal("98cb3e827574be20a9d8c1631a54354cd7ebda19b0bab7082eaf2c65d137c88f", Sha256(PickleWriter.Dict(ReferenceA())));
        var b = PickleWriter.Dict([("data", NdArray.UInt8(Pix(1001, 11), 1001, 768)), ("labels", Enumerable.Range(0, 1001).Select(i => (long)(i * 37 % 1000 + 1)).ToArray())]);
        Assert.Equal("cc55e6187ab23e6c2aa74b97b969a33ede0d767b01fdc2dbff1cfc44049ade39", Sha256(b));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Numpy_arrays_are_read_from_every_protocol_cpython_writes(int protocol)
    {
        using var gz = new GZipStream(typeof(PickleTests).Assembly.GetManifestResourceStream($"Pickles.numpy-1.24-protocol{protocol}.pickle.gz")!, CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gz.CopyTo(bytes);
        AssertIsReferenceA(PickleFile.LoadDict(bytes.ToArray(), $"protocol {protocol}"));
    }

    [Fact]
    public void The_writers_own_protocol_2_and_python_2_forms_are_read_alike()
    {
        AssertIsReferenceA(PickleFile.LoadDict(PickleWriter.Dict(ReferenceA()), "python 3"));
        AssertIsReferenceA(PickleFile.LoadDict(PickleWriter.Dict(ReferenceA(), python2: true), "python 2"));
    }

    private static void AssertIsReferenceA(Hashtable dict)
    {
        var data = Assert.IsType<NumpyArray>(dict["data"]);
        Assert.Equal("u1", data.DType.Code);
        Assert.Equal([3, 768], data.Shape);
        Assert.Equal(Pix(3, 5), data.Data);
        Assert.Equal(new[] { 1, 120, 1000 }, Assert.IsType<ArrayList>(dict["labels"]).Cast<object>().Select(Convert.ToInt32));
        var mean = Assert.IsType<NumpyArray>(dict["mean"]);
        Assert.Equal("f8", mean.DType.Code);
        Assert.Equal([768], mean.Shape);
        Assert.Equal((5 + 36 + 67) / 3.0, BinaryPrimitives.ReadDoubleLittleEndian(mean.Data)); // column 0 of rows 0, 1, 2
    }

    public static TheoryData<string, byte[], string> Refused => new()
    {
        { "declared length beyond the file", [0x80, 2, (byte)'X', 0xFF, 0xFF, 0xFF, 0x7F, (byte)'a', (byte)'b', (byte)'.'], "declares 2,147,483,647 bytes, but only 3 follow" },
        { "8-byte length beyond the file", [0x80, 4, 0x8e, 0, 0, 0, 0, 0, 0, 0, 0x40, (byte)'.'], "declares 4,611,686,018,427,387,904 bytes" },
        { "no STOP", [0x80, 2, (byte)'}'], "without its STOP opcode (truncated)" },
        { "cut inside an opcode", [0x80, 2, (byte)'J', 1], "ends inside the opcode at offset 2 (truncated)" },
        { "unknown opcode", [0x80, 2, 0xFF, (byte)'.'], "byte 0xff at offset 2 is no pickle opcode" },
        { "protocol 6", [0x80, 6, (byte)'N', (byte)'.'], "pickle protocol 6" },
        { "a long number as text", [(byte)'L', .. Enumerable.Repeat((byte)'9', 100), (byte)'L', (byte)'\n', (byte)'.'], "a number in the pickle at offset 0 is longer than 64 characters" },
        { "a long LONG4", [0x80, 2, 0x8b, 0xE8, 3, 0, 0, .. new byte[1000], (byte)'.'], "has 1,000 bytes, more than 64" },
        { "not a dict", [0x80, 2, (byte)']', (byte)'.'], "holds a list of 0, not a dict" },
        { "a class it does not know, called", [(byte)'c', .. "os\nsystem\n"u8.ToArray(), (byte)'(', (byte)'S', .. "'echo'\n"u8.ToArray(), (byte)'t', (byte)'R', (byte)'.'], "os.system" },
        { "an int array", PickleWriter.Dict([("data", new NdArray("i8", [1], new byte[8]))]), "numpy arrays of dtype 'i8' are not read" },
        { "a 3-D array", PickleWriter.Dict([("data", new NdArray("u1", [1, 2, 2], new byte[4]))]), "a numpy array with 3 dimensions is not read" },
        { "shape and bytes disagree", PickleWriter.Dict([("data", new NdArray("u1", [2, 768], new byte[768]))]), "holds 768 bytes, not the 1,536 its shape needs" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Broken_and_hostile_pickles_are_refused_with_one_line(string what, byte[] pickle, string expected)
    {
        var ex = Assert.Throws<DataException>(() => PickleFile.LoadDict(pickle, "f.pkl"));
        Assert.True(ex.Message.StartsWith("f.pkl: ", StringComparison.Ordinal), what + ": " + ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void A_pickle_of_more_opcodes_than_the_limit_is_refused_before_anything_is_built()
    {
        var bomb = new byte[InputLimits.PickleOpcodes + 3];
        bomb.AsSpan().Fill((byte)']'); // an empty list per byte
        bomb[^1] = (byte)'.';
        var ex = Assert.Throws<DataException>(() => PickleFile.LoadDict(bomb, "bomb"));
        Assert.Equal(InputLimits.Beyond("bomb", "pickle opcodes", InputLimits.PickleOpcodes), ex.Message);
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
}
