using System.Buffers.Binary;
using SingleDarts.Search.IO;

namespace SingleDarts.Search.Data.Pickles;

/// <summary>
/// One pass over a pickle's opcodes before anything is built from it, so that a damaged or hostile file is refused
/// with one line: a known opcode and protocol (0–5) throughout, at most <see cref="InputLimits.PickleOpcodes"/>
/// opcodes, every length it declares within the bytes that follow (the unpickler then reads from memory, so nothing
/// it allocates exceeds the file), numbers of at most <see cref="InputLimits.PickleNumberDigits"/> digits, and a STOP.
/// The opcodes and their arguments are those of CPython's Lib/pickletools.py.
/// </summary>
internal static class PickleScan
{
    private enum Arg { None, Fixed, Line, NumberLine, TwoLines, Counted1, Counted4, Counted8, Number1, Number4 }

    private const int ShortLine = 256; // GLOBAL's module and name, GET/PUT's index, PERSID

    /// <summary>What follows an opcode: nothing, <c>n</c> fixed bytes, a line, or a length of 1, 4 or 8 bytes and as many bytes.</summary>
    private static (Arg Kind, int Bytes) Argument(byte op) => op switch
    {
        (byte)'(' or (byte)'0' or (byte)'1' or (byte)'2' or (byte)'N' or (byte)'Q' or (byte)'R' or (byte)'a' or (byte)'b'
            or (byte)'d' or (byte)'}' or (byte)'e' or (byte)'l' or (byte)']' or (byte)'o' or (byte)'s' or (byte)'t' or (byte)')'
            or (byte)'u' or 0x81 or 0x85 or 0x86 or 0x87 or 0x88 or 0x89 or 0x8f or 0x90 or 0x91 or 0x92 or 0x93 or 0x94
            or 0x97 or 0x98 => (Arg.None, 0),
        (byte)'K' or (byte)'h' or (byte)'q' or 0x80 or 0x82 => (Arg.Fixed, 1),
        (byte)'M' or 0x83 => (Arg.Fixed, 2),
        (byte)'J' or (byte)'j' or (byte)'r' or 0x84 => (Arg.Fixed, 4),
        (byte)'G' or 0x95 => (Arg.Fixed, 8),
        (byte)'F' or (byte)'I' or (byte)'L' => (Arg.NumberLine, 0),
        (byte)'P' or (byte)'g' or (byte)'p' => (Arg.Line, ShortLine),
        (byte)'S' or (byte)'V' => (Arg.Line, int.MaxValue),
        (byte)'c' or (byte)'i' => (Arg.TwoLines, ShortLine),
        (byte)'U' or (byte)'C' or 0x8c => (Arg.Counted1, 0),
        (byte)'T' or (byte)'X' or (byte)'B' => (Arg.Counted4, 0),
        0x8d or 0x8e or 0x96 => (Arg.Counted8, 0),
        0x8a => (Arg.Number1, 0),
        0x8b => (Arg.Number4, 0),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <exception cref="DataException">the first problem, naming <paramref name="source"/> and where it is.</exception>
    public static void Check(ReadOnlySpan<byte> data, string source)
    {
        var at = 0;
        for (var ops = 1; ; ops++)
        {
            if (at >= data.Length) throw new DataException($"{source}: the pickle ends after {data.Length:N0} bytes without its STOP opcode (truncated)");
            if (ops > InputLimits.PickleOpcodes) throw new DataException(InputLimits.Beyond(source, "pickle opcodes", InputLimits.PickleOpcodes));
            var start = at;
            var op = data[at++];
            if (op == (byte)'.') return;
            (Arg Kind, int Bytes) arg;
            try
            {
                arg = Argument(op);
            }
            catch (ArgumentOutOfRangeException)
            {
                throw new DataException($"{source}: not a pickle, or damaged: byte 0x{op:x2} at offset {start:N0} is no pickle opcode");
            }
            var rest = data[at..];
            at += arg.Kind switch
            {
                Arg.None => 0,
                Arg.Fixed => Fixed(rest, arg.Bytes, op, source, start),
                Arg.Line => Line(rest, arg.Bytes, "a text argument", source, start),
                Arg.NumberLine => Line(rest, InputLimits.PickleNumberDigits, "a number", source, start),
                Arg.TwoLines => TwoLines(rest, source, start),
                Arg.Counted1 => Counted(rest, 1, long.MaxValue, source, start),
                Arg.Counted4 => Counted(rest, 4, long.MaxValue, source, start),
                Arg.Counted8 => Counted(rest, 8, long.MaxValue, source, start),
                Arg.Number1 => Counted(rest, 1, InputLimits.PickleNumberDigits, source, start),
                Arg.Number4 => Counted(rest, 4, InputLimits.PickleNumberDigits, source, start),
                _ => throw new InvalidOperationException(),
            };
        }
    }

    private static int Fixed(ReadOnlySpan<byte> rest, int bytes, byte op, string source, int at)
    {
        if (rest.Length < bytes) throw Truncated(source, at);
        if (op == 0x80 && rest[0] > 5) throw new DataException($"{source}: pickle protocol {rest[0]} (at offset {at:N0}); protocols 0 to 5 are read");
        return bytes;
    }

    /// <summary>A newline-terminated argument of at most <paramref name="max"/> bytes before its newline.</summary>
    private static int Line(ReadOnlySpan<byte> rest, int max, string what, string source, int at)
    {
        var end = rest[..(int)Math.Min(rest.Length, max + 1L)].IndexOf((byte)'\n');
        if (end >= 0) return end + 1;
        if (rest.Length > max)
            throw new DataException($"{source}: {what} in the pickle at offset {at:N0} is longer than {max} characters (the limit; see {InputLimits.Doc})");
        throw Truncated(source, at);
    }

    private static int TwoLines(ReadOnlySpan<byte> rest, string source, int at)
    {
        var first = Line(rest, ShortLine, "a class name", source, at);
        return first + Line(rest[first..], ShortLine, "a class name", source, at);
    }

    /// <summary>A length of <paramref name="width"/> little-endian bytes, then that many bytes (at most <paramref name="max"/>).</summary>
    private static int Counted(ReadOnlySpan<byte> rest, int width, long max, string source, int at)
    {
        if (rest.Length < width) throw Truncated(source, at);
        var length = width switch
        {
            1 => rest[0],
            4 => (long)BinaryPrimitives.ReadInt32LittleEndian(rest),
            _ => BinaryPrimitives.ReadInt64LittleEndian(rest),
        };
        if (length > max)
            throw new DataException($"{source}: a number in the pickle at offset {at:N0} has {length:N0} bytes, more than {max} (the limit; see {InputLimits.Doc})");
        if (length < 0 || length > rest.Length - width)
            throw new DataException($"{source}: the pickle opcode at offset {at:N0} declares {length:N0} bytes, but only {rest.Length - width:N0} follow (truncated or damaged)");
        return width + (int)length;
    }

    private static DataException Truncated(string source, int at) =>
        new($"{source}: the pickle ends inside the opcode at offset {at:N0} (truncated)");
}
