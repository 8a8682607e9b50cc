using TorchSharp;

namespace SingleDarts.Search.Nn;

/// <summary>
/// Scalars that stay alive. TorchSharp hands a Scalar's native handle to libtorch without keeping
/// the managed object alive across the call, so a temporary Scalar — an implicit double→Scalar
/// conversion, or TorchSharp's own <c>add_(t)</c>, which is <c>add_(t, 1)</c> — can be finalized by
/// a collection on another thread while the call runs. Seen here: a 2-hour CPU search died in
/// addcmul_ with "Expected false to be true" from c10::Scalar::toFloat. Hence: every scalar argument
/// in this project is a static one from here, or a <c>using</c> variable that outlives the call.
/// </summary>
public static class Scalars
{
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar MinusOne = (-1.0).ToScalar();
}
