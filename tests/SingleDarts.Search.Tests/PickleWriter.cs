using System.Buffers.Binary;
using System.Text;

namespace SingleDarts.Search.Tests;

/// <summary>A numpy array to pickle: dtype u1 (uint8) or f8 (float64, little-endian), C order.</summary>
internal sealed record NdArray(string DType, long[] Shape, byte[] Data)
{
    public static NdArray UInt8(byte[] data, int rows, int columns) => new("u1", [rows, columns], data);

    public static NdArray Float64(double[] values)
    {
        var data = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(i * 8), values[i]);
        return new NdArray("f8", [values.Length], data);
    }
}

/// <summary>
/// Writes a dict of strings, ints, lists of ints and numpy arrays as a pickle, byte for byte what CPython 3's
/// <c>pickle.dumps(d, protocol=2)</c> writes with numpy 1.x (checked against CPython 3.11 with numpy 1.24: see
/// <c>PickleTests</c>): arrays as <c>_reconstruct(ndarray, (0,), b'b')</c> + BUILD, bytes as
/// <c>_codecs.encode(str, 'latin1')</c>, the memo as CPython fills it (objects it shares — globals, the string
/// 'latin1', <c>b'b'</c>, one-character strings, a dtype — are fetched again with BINGET), lists and dicts in
/// batches of 1000 as its C pickler cuts them. <see cref="Python2"/> writes strings and bytes as Python 2's str instead (SHORT_BINSTRING /
/// BINSTRING, the raw bytes unencoded, dtype arguments as ints), following the pickle format; no Python 2 was at hand
/// to compare with.
/// </summary>
internal sealed class PickleWriter
{
    private readonly MemoryStream output = new();
    private readonly Dictionary<string, int> shared = [];
    private int memo;

    private PickleWriter(bool python2) => Python2 = python2;

    public bool Python2 { get; }

    public static byte[] Dict(IReadOnlyList<(string Key, object Value)> items, bool python2 = false)
    {
        var w = new PickleWriter(python2);
        w.Op(0x80, 2);
        w.Op((byte)'}');
        w.Memoize();
        w.Batched(items, kv =>
        {
            w.Save(kv.Key);
            w.Save(kv.Value);
        }, (byte)'s', (byte)'u');
        w.Op((byte)'.');
        return w.output.ToArray();
    }

    private void Save(object value)
    {
        switch (value)
        {
            case string s:
                Str(s);
                break;
            case bool b:
                Op(b ? (byte)0x88 : (byte)0x89);
                break;
            case int or long:
                Int(Convert.ToInt64(value));
                break;
            case null:
                Op((byte)'N');
                break;
            case IReadOnlyList<long> list:
                Op((byte)']');
                Memoize();
                Batched(list, x => Int(x), (byte)'a', (byte)'e');
                break;
            case NdArray array:
                Array(array);
                break;
            default:
                throw new ArgumentException($"cannot pickle {value.GetType()}");
        }
    }

    /// <summary>numpy's <c>ndarray.__reduce__</c>: <c>(_reconstruct, (ndarray, (0,), b'b'), (1, shape, dtype, False, bytes))</c>.</summary>
    private void Array(NdArray a)
    {
        Global("numpy.core.multiarray", "_reconstruct");
        Tuple(() => Global("numpy", "ndarray"), () => Tuple(() => Int(0)), () => Bytes("b"u8.ToArray(), sharedKey: "b'b'"));
        Op((byte)'R');
        Memoize();
        Tuple(() => Int(1), () => Tuple([.. a.Shape.Select(d => (Action)(() => Int(d)))]), () => DType(a.DType), () => Save(false), () => Bytes(a.Data));
        Op((byte)'b');
    }

    /// <summary><c>dtype.__reduce__</c>: <c>(dtype, (code, False, True), (3, order, None, None, None, -1, -1, 0))</c>; one object per dtype.</summary>
    private void DType(string code)
    {
        if (Fetch("dtype:" + code)) return;
        Global("numpy", "dtype");
        Tuple(() => Str(code), () => Flag(false), () => Flag(true));
        Op((byte)'R');
        Memoize("dtype:" + code);
        Tuple(() => Int(3), () => Str(code == "u1" ? "|" : "<"), () => Op((byte)'N'), () => Op((byte)'N'), () => Op((byte)'N'),
            () => Int(-1), () => Int(-1), () => Int(0));
        Op((byte)'b');
    }

    private void Flag(bool value)
    {
        if (Python2) Int(value ? 1 : 0);
        else Save(value);
    }

    /// <summary>Python 3 protocol 2: <c>_codecs.encode(bytes.decode('latin1'), 'latin1')</c>; Python 2: a str.</summary>
    private void Bytes(byte[] data, string? sharedKey = null)
    {
        if (Python2)
        {
            Str(Encoding.Latin1.GetString(data));
            return;
        }
        if (sharedKey is not null && Fetch(sharedKey)) return;
        Global("_codecs", "encode");
        Tuple(() => Str(Encoding.Latin1.GetString(data)), () => Str("latin1"));
        Op((byte)'R');
        Memoize(sharedKey);
    }

    private void Str(string s)
    {
        // CPython shares one object per one-character latin-1 string, and pickle.py's 'latin1' constant
        var key = s.Length == 1 && s[0] < 256 || s == "latin1" ? "str:" + s : null;
        if (key is not null && Fetch(key)) return;
        if (Python2) RawStr(Encoding.Latin1.GetBytes(s));
        else
        {
            var utf8 = Encoding.UTF8.GetBytes(s);
            Op((byte)'X');
            U32(utf8.Length);
            output.Write(utf8);
        }
        Memoize(key);
    }

    /// <summary>Python 2's str: SHORT_BINSTRING under 256 bytes, else BINSTRING.</summary>
    private void RawStr(byte[] bytes)
    {
        if (bytes.Length < 256) Op((byte)'U', (byte)bytes.Length);
        else
        {
            Op((byte)'T');
            U32(bytes.Length);
        }
        output.Write(bytes);
    }

    private void Int(long v)
    {
        if (v is >= 0 and <= 0xFF) Op((byte)'K', (byte)v);
        else if (v is >= 0 and <= 0xFFFF)
        {
            Op((byte)'M', (byte)v, (byte)(v >> 8));
        }
        else if (v is >= int.MinValue and <= int.MaxValue)
        {
            Op((byte)'J');
            U32((int)v);
        }
        else throw new ArgumentOutOfRangeException(nameof(v), "LONG1 is not needed here");
    }

    private void Global(string module, string name)
    {
        if (Fetch($"global:{module}.{name}")) return;
        output.WriteByte((byte)'c');
        output.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
        Memoize($"global:{module}.{name}");
    }

    /// <summary>A tuple: up to 3 items then TUPLE1/2/3, else MARK … TUPLE; memoized; () is EMPTY_TUPLE.</summary>
    private void Tuple(params Action[] items)
    {
        if (items.Length == 0)
        {
            Op((byte)')');
            return;
        }
        if (items.Length > 3) Op((byte)'(');
        foreach (var item in items) item();
        Op((byte)(items.Length switch { 1 => 0x85, 2 => 0x86, 3 => 0x87, _ => 't' }));
        Memoize();
    }

    /// <summary>
    /// CPython's C pickler (_pickle.c, batch_list_exact / batch_dict_exact): a single item with APPEND/SETITEM, else
    /// batches of at most 1000 as MARK … APPENDS/SETITEMS (a last batch of one included); nothing for none.
    /// </summary>
    private void Batched<T>(IReadOnlyList<T> items, Action<T> save, byte one, byte many)
    {
        if (items.Count == 1)
        {
            save(items[0]);
            Op(one);
            return;
        }
        for (var start = 0; start < items.Count; start += 1000)
        {
            Op((byte)'(');
            for (var i = start; i < Math.Min(items.Count, start + 1000); i++) save(items[i]);
            Op(many);
        }
    }

    private bool Fetch(string key)
    {
        if (!shared.TryGetValue(key, out var index)) return false;
        if (index < 256) Op((byte)'h', (byte)index);
        else
        {
            Op((byte)'j');
            U32(index);
        }
        return true;
    }

    private void Memoize(string? sharedKey = null)
    {
        if (sharedKey is not null) shared[sharedKey] = memo;
        if (memo < 256) Op((byte)'q', (byte)memo);
        else
        {
            Op((byte)'r');
            U32(memo);
        }
        memo++;
    }

    private void U32(int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        output.Write(b);
    }

    private void Op(params byte[] bytes) => output.Write(bytes);
}
