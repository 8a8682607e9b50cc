using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Nn;

/// <summary>
/// Scalars that stay alive. TorchSharp hands a Scalar's native handle to libtorch without keeping
/// the managed object alive across the call, so a temporary Scalar — an implicit double→Scalar
/// conversion, TorchSharp's own <c>add_(t)</c> (which is <c>add_(t, 1)</c>), or the Scalar inside
/// <c>Tensor.ToDouble()</c> — can be finalized by a collection on another thread while the call
/// runs. Seen: a 2-hour CPU search died in addcmul_ with "Expected false to be true" from
/// c10::Scalar::toFloat. Hence every scalar argument in this project is a static one from here or
/// a <c>using</c> variable that outlives the call; the analyzer (SD1001–SD1003, SD1005) refuses the rest.
/// </summary>
public static class Scalars
{
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar MinusOne = (-1.0).ToScalar();

    /// <summary>The value of a one-element floating-point tensor, read without a Scalar.</summary>
    public static double ValueOf(Tensor t) => t.dtype switch
    {
        ScalarType.Float64 => t.item<double>(),
        ScalarType.Float32 => t.item<float>(),
        _ => ConvertedValue(t),
    };

    private static double ConvertedValue(Tensor t)
    {
        using var d = t.to(ScalarType.Float64);
        return d.item<double>();
    }
}
