using System.Diagnostics;
using SingleDarts.Search.Data;
using SingleDarts.Search.Options;
using SingleDarts.Search.Relaxations;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Strategies;
using static TorchSharp.torch;

namespace SingleDarts.Search.Runs;

/// <summary>Settings of <c>singledarts bench</c>.</summary>
public sealed record BenchOptions
{
    public string Space { get; init; } = new Options.SearchOptions().Space;
    public IReadOnlyList<string> Methods { get; init; } = MethodPresets.Names;
    public int Channels { get; init; } = 16;
    public int Cells { get; init; } = 5;
    public int ImageSize { get; init; } = 32;
    public int BatchSize { get; init; } = 64;
    public int Classes { get; init; } = 10;
    public int Steps { get; init; } = 20;
    public int Warmup { get; init; } = 3;
    public int Threads { get; init; } = Options.ThreadCount.Default;
    public string Device { get; init; } = "cpu";
    
    /// <summary>A relaxation every timed method runs with instead of its preset's; null: each its own.</summary>
    public Relaxation? Relax { get; init; }
}

public sealed record MethodTiming(string Method, double MsPerStepMedian, double MsPerStepP90, double ImagesPerSecond,
    double PeakRssMb, double RssFirstStepMb, double RssLastStepMb)
{
    /// <summary>The method's composition, one line.</summary>
    public string Composition { get; init; } = "";

    /// <summary>Its median step time over single's, when single was timed in the same run.</summary>
    public double? VsSingle { get; init; }
}

public sealed record LoaderTiming(int ImageSize, int BatchSize, double ImagesPerSecond);

/// <summary>
/// Times search steps on random images (the work the README's *Measured speed* times against the PyTorch 1.13 reference step): median and p90
/// ms per step after warm-up, images/s, peak RSS (reset before each method where Linux allows),
/// and RSS after the first and the last timed step (equal when memory is flat).
/// </summary>
public static class StepBenchmark
{
    /// <summary>Every reason the timed methods cannot run at these sizes (a method's parts against the channels, …), one sentence each.</summary>
    public static IReadOnlyList<string> Problems(BenchOptions o) =>
        [.. o.Methods.SelectMany(m => OptionsOf(o, m).Validate().Where(p => p.StartsWith("--partial", StringComparison.Ordinal) || p.StartsWith("--relax", StringComparison.Ordinal) || p.StartsWith("--perturbation", StringComparison.Ordinal))
            .Select(p => $"--methods {m}: {p}")).Distinct()];

    private static SearchOptions OptionsOf(BenchOptions o, string method) =>
        new() { Space = o.Space, Method = method, Channels = o.Channels, Cells = o.Cells, Relax = o.Relax, Threads = o.Threads };

    public static MethodTiming Time(BenchOptions o, string method)
    {
        TorchRuntime.Configure(o.Threads);
        var device = TorchRuntime.Resolve(o.Device);
        using var generator = new Generator(0, CPU);
        var options = OptionsOf(o, method);
        var composition = options.Composition;
        var model = SearchSpaces.Get(o.Space).Build(SearchRun.Supernet(options, composition, o.Classes), generator, device);
        using var state = new SearchState(model, new OptimizerSettings());
        var strategy = composition.Strategy();
        model.BeginEpoch(25, 50);
        state.Parts = new StepParts(composition.PerturbationAt(25, 50), composition.BetaDecayAt(25, 50), composition.DirichletKl);
        using var x = randn([o.BatchSize, 3, o.ImageSize, o.ImageSize], generator: generator).to(device);
        using var y = randint(0, o.Classes, [o.BatchSize], generator: generator).to(device);
        using var xv = randn([o.BatchSize, 3, o.ImageSize, o.ImageSize], generator: generator).to(device);
        using var yv = randint(0, o.Classes, [o.BatchSize], generator: generator).to(device);
        var train = new FixedSource(x, y);
        var valid = new FixedSource(xv, yv);

        var gcPacer = new Nn.GcPacer();
        ProcessMemory.ResetPeak();
        var times = new List<double>();
        double rssFirst = 0, rssLast = 0;
        for (var i = 0; i < o.Warmup + o.Steps; i++)
        {
            var clock = Stopwatch.StartNew();
            strategy.Step(state, train, strategy.UsesValidation ? valid : null, 0.025);
            gcPacer.Step();
            if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize();
            var ms = clock.Elapsed.TotalMilliseconds;
            if (i < o.Warmup) continue;
            times.Add(ms);
            if (i == o.Warmup) rssFirst = ProcessMemory.RssMb();
            rssLast = ProcessMemory.RssMb();
        }
        times.Sort();
        var median = Percentile(times, 0.5);
        return new MethodTiming(method, Math.Round(median, 1), Math.Round(Percentile(times, 0.9), 1),
            Math.Round(o.BatchSize * 1000 / median, 1), Math.Round(ProcessMemory.PeakRssMb()), Math.Round(rssFirst), Math.Round(rssLast))
        {
            Composition = composition.ToString(),
        };
    }

    /// <summary>Images/s of the data pipeline alone (augment + normalise + batch) on synthetic images.</summary>
    public static LoaderTiming TimeLoader(int imageSize, int batchSize, int images = 10_000)
    {
        var data = SyntheticImages.Create(10, images, 0, imageSize, 0);
        var loader = new BatchLoader(data.Train, Enumerable.Range(0, images).ToArray(), batchSize, true, true, data.Mean, data.Std, new Rng(7));
        foreach (var b in loader.Epoch()) b.Dispose(); // warm-up
        var clock = Stopwatch.StartNew();
        foreach (var b in loader.Epoch()) b.Dispose();
        return new LoaderTiming(imageSize, batchSize, Math.Round(images / clock.Elapsed.TotalSeconds));
    }

    private static double Percentile(List<double> sorted, double q)
    {
        var pos = q * (sorted.Count - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private sealed class FixedSource(Tensor images, Tensor labels) : IBatchSource
    {
        public Batch Next() => new(images.alias(), labels.alias());
    }
}

/// <summary>Resident memory of this process, from /proc (Linux); zeros elsewhere.</summary>
public static class ProcessMemory
{
    public static double RssMb() => StatusKb("VmRSS:") / 1024.0;

    public static double PeakRssMb() => StatusKb("VmHWM:") / 1024.0;

    /// <summary>Resets the peak (VmHWM) to the current RSS, where the kernel allows it.</summary>
    public static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // not Linux, or not permitted: the peak then covers the whole process
        }
    }

    private static long StatusKb(string key)
    {
        if (!File.Exists("/proc/self/status")) return 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return 0;
    }
}
