using SingleDarts.Search;

namespace SingleDarts.Grains;

/// <summary>What a seed records of where it ran (<see cref="Abstractions.SeedStatus.Environment"/>).</summary>
internal static class WorkerEnvironment
{
    public static string Describe(int threads, string device) =>
        $"SingleDarts {MachineInfo.Version}; TorchSharp {TorchRuntime.TorchSharpVersion}, libtorch {TorchRuntime.LibTorchVersion}; " +
        $"{threads} thread(s) on {device}; {MachineInfo.Cpu}";
}
