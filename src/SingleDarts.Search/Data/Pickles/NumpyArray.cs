using System.Collections;

namespace SingleDarts.Search.Data.Pickles;

/// <summary>
/// A numpy array as a pickle rebuilds it: its dtype, shape and bytes in C order. Only what ImageNet16's batches
/// hold is read — uint8 (the images) and little-endian float64 (the training batches' mean image), with one or
/// two dimensions; anything else is refused with one line.
/// </summary>
/// <remarks>
/// numpy pickles an array as <c>_reconstruct(ndarray, (0,), b'b')</c> followed by BUILD with the state
/// <c>(version, shape, dtype, is_fortran, raw bytes)</c> (numpy's <c>array_reduce</c>/<c>array_setstate</c>), or, from
/// protocol 5, as <c>_frombuffer(buffer, dtype, shape, order)</c>. The raw bytes arrive as bytes (Python 3), as a
/// latin-1 string (Python 2's str, or a Python 3 pickle read as Python 2 would) or via <c>_codecs.encode</c>.
/// </remarks>
public sealed class NumpyArray
{
    public NumpyDType DType { get; private set; } = NumpyDType.Unset;
    public long[] Shape { get; private set; } = [];
    public byte[] Data { get; private set; } = [];

    /// <summary>Rows of a 2-D array (the length of a 1-D one).</summary>
    public long Rows => Shape.Length == 0 ? 0 : Shape[0];

    /// <summary>Bytes per row of a 2-D array (the item size of a 1-D one).</summary>
    public long RowBytes => Shape.Length == 2 ? Shape[1] * DType.ItemSize : DType.ItemSize;

    /// <summary>What BUILD calls with the state numpy's <c>__reduce__</c> gave (the unpickler finds it by name).</summary>
    public void __setstate__(object[] state)
    {
        // (version, shape, dtype, is_fortran, data); numpy before 1.0 left the version out
        var s = state.Length switch
        {
            5 => state[1..],
            4 => state,
            _ => throw new PickleContentException($"a numpy array's state has {state.Length} items, not 5"),
        };
        if (s[1] is not NumpyDType dtype) throw new PickleContentException("a numpy array's dtype is not a numpy.dtype");
        if (Truthy(s[2]) && Dimensions(s[0]).Length > 1) throw new PickleContentException("a numpy array in Fortran order is not read (C order only)");
        Set(Bytes(s[3]), dtype, Dimensions(s[0]));
    }

    /// <summary>Checks and keeps what the array holds.</summary>
    internal void Set(byte[] data, NumpyDType dtype, long[] shape)
    {
        if (shape.Length is < 1 or > 2)
            throw new PickleContentException($"a numpy array with {shape.Length} dimensions is not read (1 or 2 only)");
        var items = shape.Aggregate(1L, (a, d) => d < 0 || (d > 0 && a > long.MaxValue / d) ? -1 : a * d);
        if (items < 0 || items > long.MaxValue / dtype.ItemSize || items * dtype.ItemSize != data.Length)
            throw new PickleContentException($"a numpy array of shape ({string.Join(", ", shape)}) and dtype {dtype.Code} holds {data.Length:N0} bytes, not the {(items < 0 ? "(impossible)" : (items * dtype.ItemSize).ToString("N0", System.Globalization.CultureInfo.InvariantCulture))} its shape needs");
        Data = data;
        DType = dtype;
        Shape = shape;
    }

    internal static bool Truthy(object? value) => value switch
    {
        bool b => b,
        int i => i != 0,
        long l => l != 0,
        _ => throw new PickleContentException($"expected a bool in a numpy array's state, found {Describe(value)}"),
    };

    internal static long[] Dimensions(object? value) => value switch
    {
        object[] tuple => [.. tuple.Select(d => d switch
        {
            int i when i >= 0 => i,
            long l when l >= 0 => l,
            _ => throw new PickleContentException($"a numpy array's shape holds {Describe(d)}, not a size"),
        })],
        _ => throw new PickleContentException($"a numpy array's shape is {Describe(value)}, not a tuple"),
    };

    /// <summary>The raw bytes: bytes, or a string of characters 0–255 (latin-1, as Python 2 and <c>encoding='latin1'</c> read them).</summary>
    internal static byte[] Bytes(object? value)
    {
        switch (value)
        {
            case byte[] bytes:
                return bytes;
            case string text:
                var data = new byte[text.Length];
                for (var i = 0; i < text.Length; i++)
                    data[i] = text[i] <= 0xFF ? (byte)text[i] : throw new PickleContentException($"a numpy array's data holds the character U+{(int)text[i]:X4}, not a byte");
                return data;
            default:
                throw new PickleContentException($"a numpy array's data is {Describe(value)}, not bytes");
        }
    }

    internal static string Describe(object? value) => value switch
    {
        null => "None",
        string => "a string",
        byte[] => "bytes",
        object[] t => $"a tuple of {t.Length}",
        ArrayList l => $"a list of {l.Count}",
        Hashtable => "a dict",
        _ => value.GetType().Name,
    };
}

/// <summary>A numpy dtype as pickled: <c>dtype(code, align, copy)</c>, then BUILD with (version, byte order, ...).</summary>
public sealed class NumpyDType
{
    internal static readonly NumpyDType Unset = new("", 1);

    private NumpyDType(string code, int itemSize)
    {
        Code = code;
        ItemSize = itemSize;
    }

    /// <summary>numpy's type code: u1 (uint8) or f8 (float64).</summary>
    public string Code { get; }
    public int ItemSize { get; }

    /// <summary>'|' (not applicable), '&lt;' or '=' (little-endian, as here); '&gt;' is refused.</summary>
    public char ByteOrder { get; private set; } = '|';

    public static NumpyDType For(string code) => code switch
    {
        "u1" => new NumpyDType(code, 1),
        "f8" => new NumpyDType(code, 8),
        _ => throw new PickleContentException($"numpy arrays of dtype '{(code.Length <= 16 ? code : code[..16] + "…")}' are not read (uint8 images, float64 mean only)"),
    };

    public void __setstate__(object[] state)
    {
        if (state.Length < 2 || state[1] is not string order || order.Length != 1)
            throw new PickleContentException("a numpy dtype's state does not start with (version, byte order)");
        if (order[0] == '>' && Code != "u1") throw new PickleContentException($"big-endian numpy arrays of dtype {Code} are not read");
        ByteOrder = order[0];
    }
}

/// <summary>A pickle that is well formed but not what is read (the message says what it holds instead).</summary>
public sealed class PickleContentException(string message) : Exception(message);
