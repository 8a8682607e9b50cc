using System.Reflection;

namespace SingleDarts.Search;

/// <summary>The machine a run ran on, for provenance: a result on one CPU is not a result on all.</summary>
public static class MachineInfo
{
    private static readonly Lazy<(string Model, bool Avx512)> cpu = new(ReadCpu);

    /// <summary>lscpu's model name (from /proc/cpuinfo), or "unknown CPU" off Linux.</summary>
    public static string CpuModel => cpu.Value.Model;

    /// <summary>Whether the CPU has AVX-512 (avx512f).</summary>
    public static bool Avx512 => cpu.Value.Avx512;

    /// <summary>"AMD EPYC, 2 cores, avx512f yes".</summary>
    public static string Cpu => $"{CpuModel}, {Environment.ProcessorCount} cores, avx512f {(Avx512 ? "yes" : "no")}";

    /// <summary>SingleDarts' informational version (with the commit it was built from, where the build knew it).</summary>
    public static string Version =>
        typeof(MachineInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private static (string, bool) ReadCpu()
    {
        string? model = null;
        var avx512 = false;
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (model is null && line.StartsWith("model name", StringComparison.Ordinal)) model = line[(line.IndexOf(':') + 1)..].Trim();
                if (line.StartsWith("flags", StringComparison.Ordinal)) avx512 |= line.Contains(" avx512f", StringComparison.Ordinal);
            }
        }
        catch (IOException)
        {
            // not Linux: the model stays unknown
        }
        return (model ?? "unknown CPU", avx512);
    }
}
