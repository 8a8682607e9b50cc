using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Nn;

public static class Parameters
{
    /// <summary>
    /// A parameter that takes over <paramref name="data"/>: TorchSharp moves the native handle out
    /// of it, and the empty wrapper left behind is disposed here instead of waiting for the
    /// finalizer (the finalization tests count every TorchSharp object left to it).
    /// </summary>
    public static Parameter From(Tensor data)
    {
        var parameter = new Parameter(data);
        data.Dispose();
        return parameter;
    }
}
