using System.Collections;
using System.Reflection;
using Razorvine.Pickle;

namespace SingleDarts.Search.Data.Pickles;

/// <summary>
/// Reads a pickled dict from bytes already read whole (and so bounded by the caller's file limits): the opcodes are
/// checked first (<see cref="PickleScan"/>), then Razorvine.Pickle builds the objects from memory — numpy arrays
/// through the constructors below, dicts as <see cref="Hashtable"/>, lists as <see cref="ArrayList"/>, ints as int
/// or long. A class the pickle names that is not registered becomes an inert dictionary, never code that runs.
/// </summary>
public static class PickleFile
{
    static PickleFile()
    {
        // numpy 1.x names its modules numpy.core, numpy 2.x numpy._core (with numpy.core kept as an alias)
        foreach (var core in new[] { "numpy.core", "numpy._core" })
        {
            Unpickler.registerConstructor(core + ".multiarray", "_reconstruct", new Reconstruct());
            Unpickler.registerConstructor(core + ".numeric", "_frombuffer", new FromBuffer());
        }
        Unpickler.registerConstructor("numpy", "ndarray", NdarrayType.Instance);
        Unpickler.registerConstructor("numpy", "dtype", new DTypeConstructor());
    }

    /// <summary>The dict <paramref name="data"/> holds.</summary>
    /// <param name="source">the file, for messages.</param>
    /// <exception cref="DataException">one line: what is wrong, naming <paramref name="source"/>.</exception>
    public static Hashtable LoadDict(byte[] data, string source)
    {
        PickleScan.Check(data, source);
        object result;
        try
        {
            using var unpickler = new Unpickler();
            result = unpickler.loads(data);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var inner = ex;
            while (inner is not PickleContentException && inner.InnerException is { } next) inner = next;
            throw new DataException(inner is PickleContentException
                ? $"{source}: {inner.Message}"
                : $"{source}: not a pickle this program reads ({Flatten(ex)})");
        }
        return result as Hashtable ?? throw new DataException($"{source}: the pickle holds {NumpyArray.Describe(result)}, not a dict");
    }

    private static string Flatten(Exception ex) =>
        (ex is TargetInvocationException { InnerException: { } i } ? i : ex).Message.ReplaceLineEndings(" ").Trim();

    /// <summary><c>numpy.ndarray</c>: only ever the first argument of <c>_reconstruct</c>, never called.</summary>
    private sealed class NdarrayType : IObjectConstructor
    {
        public static readonly NdarrayType Instance = new();

        public object construct(object[] args) => throw new PickleContentException("numpy.ndarray is called directly; numpy pickles arrays through _reconstruct");
    }

    /// <summary><c>_reconstruct(ndarray, (0,), b'b')</c>: an empty array that BUILD fills in.</summary>
    private sealed class Reconstruct : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length != 3 || !ReferenceEquals(args[0], NdarrayType.Instance))
                throw new PickleContentException("numpy's _reconstruct is asked for something other than a plain numpy.ndarray (a subclass, or a damaged pickle)");
            return new NumpyArray();
        }
    }

    /// <summary><c>_frombuffer(buffer, dtype, shape, order)</c>, protocol 5's form (the buffer in band).</summary>
    private sealed class FromBuffer : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length != 4 || args[1] is not NumpyDType dtype)
                throw new PickleContentException("numpy's _frombuffer is called with other arguments than (buffer, dtype, shape, order)");
            var shape = NumpyArray.Dimensions(args[2]);
            if (args[3] is not "C" && shape.Length > 1) throw new PickleContentException("a numpy array in Fortran order is not read (C order only)");
            var array = new NumpyArray();
            array.Set(NumpyArray.Bytes(args[0]), dtype, shape);
            return array;
        }
    }

    /// <summary><c>dtype(code, align, copy)</c>; BUILD then gives its byte order.</summary>
    private sealed class DTypeConstructor : IObjectConstructor
    {
        public object construct(object[] args) => args is [string code, ..]
            ? NumpyDType.For(code)
            : throw new PickleContentException("numpy.dtype is called without a type code");
    }
}
