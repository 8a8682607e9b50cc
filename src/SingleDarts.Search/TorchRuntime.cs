using System.Runtime.InteropServices;
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
        _ = NnpackOff.Value;
    }

    /// <summary>
    /// libtorch considers NNPACK for a gradient-free convolution that oneDNN does not take (a batch of one, a
    /// small input) and, on CPUs NNPACK does not support (AVX-512 AMD EPYC among them), logs "Could not
    /// initialize NNPACK! Reason: Unsupported hardware." on stderr: nothing a user can act on. TorchSharp has
    /// no switch for it (PyTorch's torch.backends.nnpack), so this calls libtorch's own
    /// at::globalContext().setUserEnabledNNPACK(false): one convolution family on every CPU, no warning.
    /// </summary>
    private static readonly Lazy<bool> NnpackOff = new(() =>
    {
        try
        {
            Native.SetUserEnabledNnpack(Native.GlobalContext(), false);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // a libtorch without these symbols: only the warning remains
        }
    });

    /// <summary>Whether libtorch may use NNPACK (false once <see cref="Configure"/> ran; null when libtorch cannot say).</summary>
    public static bool? NnpackEnabled
    {
        get
        {
            try
            {
                return Native.UserEnabledNnpack(Native.GlobalContext());
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return null;
            }
        }
    }

    private static class Native
    {
        [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
        public static extern IntPtr GlobalContext();

        [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
        public static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

        [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
        [return: MarshalAs(UnmanagedType.U1)]
        public static extern bool UserEnabledNnpack(IntPtr context);
    }

    /// <summary>"cpu" or "cuda"; a clear error when CUDA was asked for and this build cannot use it.</summary>
    public static Device Resolve(string device) => device switch
    {
        "cpu" => CPU,
        "cuda" when cuda.is_available() => CUDA,
        "cuda" => throw new SearchConfigException(
            "--device cuda: no CUDA device is usable (this build uses the CPU libtorch; build with -p:TorchBackend=cuda on a machine with a GPU)"),
        _ => throw new SearchConfigException($"--device: unknown device '{device}' (known: cpu, cuda)"),
    };

    public static string TorchSharpVersion => typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    public static string LibTorchVersion => __version__;
}
