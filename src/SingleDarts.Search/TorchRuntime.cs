using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search;

/// <summary>Process-wide libtorch settings and facts (thread count, device, versions).</summary>
public static class TorchRuntime
{
    /// <summary>Sets libtorch's intra-op thread count (process-wide: runs in one process must agree).</summary>
    public static void Configure(int threads)
    {
        if (threads > 0 && get_num_threads() != threads) set_num_threads(threads);
    }

    /// <summary>"cpu" or "cuda"; a clear error when CUDA was asked for and this build cannot use it.</summary>
    public static Device Resolve(string device) => device switch
    {
        "cpu" => CPU,
        "cuda" when cuda.is_available() => CUDA,
        "cuda" => throw new Runs.SearchConfigException(
            "--device cuda: no CUDA device is usable (this build uses the CPU libtorch; build with -p:TorchBackend=cuda on a machine with a GPU)"),
        _ => throw new Runs.SearchConfigException($"--device: unknown device '{device}' (known: cpu, cuda)"),
    };

    public static string TorchSharpVersion => typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    public static string LibTorchVersion => __version__;
}
