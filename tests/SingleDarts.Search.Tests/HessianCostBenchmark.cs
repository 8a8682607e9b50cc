using System.Diagnostics;
using System.Globalization;
using System.Text;
using SingleDarts.Search.Diagnostics;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Strategies;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>
/// What one λ_max estimate costs next to a single-level search step at the CPU-scale protocol (NB201
/// C=8, N=2, 16×16, 10 classes, batch 64). Runs only with SINGLEDARTS_HESSIAN_BENCH=1 (minutes, timings
/// mean nothing under a parallel test run); prints medians to SINGLEDARTS_HESSIAN_BENCH_OUT or the test
/// output. Set GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184
/// as for every benchmark here, and SINGLEDARTS_HESSIAN_BENCH_THREADS (2 by default).
/// </summary>
[Trait("Category", "integration")]
public class HessianCostBenchmark
{
    private const int Channels = 8, Cells = 2, Size = 16, Classes = 10, BatchSize = 64;

    [SkippableFact]
    public void Cost_of_one_estimate_against_a_search_step()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("SINGLEDARTS_HESSIAN_BENCH") == "1", "set SINGLEDARTS_HESSIAN_BENCH=1 to run the benchmark");
        var threads = int.TryParse(Environment.GetEnvironmentVariable("SINGLEDARTS_HESSIAN_BENCH_THREADS"), out var t) ? t : 2;
        var report = new StringBuilder();
        void Say(string line)
        {
            report.AppendLine(line);
            if (Environment.GetEnvironmentVariable("SINGLEDARTS_HESSIAN_BENCH_OUT") is { Length: > 0 } path) File.AppendAllText(path, line + "\n");
        }

        TorchRuntime.Configure(threads);
        try
        {
            Say($"threads {threads}, GLIBC_TUNABLES={Environment.GetEnvironmentVariable("GLIBC_TUNABLES")}, libtorch {TorchRuntime.LibTorchVersion}");
            using var g = new Generator(0, CPU);
            using var state = new SearchState(SearchSpaces.Get("nb201").Build(Tiny.Settings(Channels, Cells, Classes), g), new OptimizerSettings());
            var train = Batches(g, 4);
            var heldOut = Batches(g, 4);
            var source = new CountingSource(train);
            var strategy = new SingleLevel();
            var pacer = new Nn.GcPacer(20);

            double StepMedian(int steps)
            {
                var times = new List<double>();
                for (var i = 0; i < steps; i++)
                {
                    var clock = Stopwatch.StartNew();
                    strategy.Step(state, source, null, 0.025);
                    pacer.Step();
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }
                return Median(times);
            }

            StepMedian(5); // warm-up
            foreach (var retain in new[] { false, true })
                Estimate(state.Model, heldOut.Take(2).ToArray(), new HessianOptions { MaxIterations = 2, Tolerance = 0, RetainGraphs = retain }, 1);

            // Rounds that time steps and estimates back to back, so that both see the same load on the machine;
            // a product's cost is reported as a ratio to the step time of its own round.
            var rows = new List<(double Step, double Recomputed, double RetainedPerIteration, double RetainedSetup, double Rss, double Lambda)>();
            const int iterations = 10, batches = 2, rounds = 5;
            for (var round = 0; round < rounds; round++)
            {
                var step = StepMedian(5);
                var held = heldOut.Take(batches).ToArray();
                var clock = Stopwatch.StartNew();
                var recomputed = Estimate(state.Model, held, new HessianOptions { MaxIterations = iterations, Tolerance = 0 }, 2);
                var tRecomputed = clock.Elapsed.TotalMilliseconds;
                // retained: setup (one forward and first backward per batch) + iterations × products; two runs separate them
                clock.Restart();
                Estimate(state.Model, held, new HessianOptions { MaxIterations = 1, Tolerance = 0, RetainGraphs = true }, 2);
                var tOne = clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                Estimate(state.Model, held, new HessianOptions { MaxIterations = iterations, Tolerance = 0, RetainGraphs = true }, 2);
                var tRetained = clock.Elapsed.TotalMilliseconds;
                var perIteration = (tRetained - tOne) / (iterations - 1);
                rows.Add((step, tRecomputed / (iterations * batches), perIteration / batches, (tOne - perIteration) / batches, ProcessMemory.RssMb(), recomputed.Eigenvalue));
                var r = rows[^1];
                Say(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: step {r.Step:F0} ms; recomputed product {r.Recomputed:F0} ms ({r.Recomputed / r.Step:F2} steps); retained product {r.RetainedPerIteration:F0} ms ({r.RetainedPerIteration / r.Step:F2} steps) + setup {r.RetainedSetup:F0} ms per batch ({r.RetainedSetup / r.Step:F2} steps); RSS {r.Rss:F0} MB; λ {r.Lambda:G5}"));
            }
            var stepMs = Median([.. rows.Select(r => r.Step)]);
            var recomputedRatio = Median([.. rows.Select(r => r.Recomputed / r.Step)]);
            var retainedRatio = Median([.. rows.Select(r => r.RetainedPerIteration / r.Step)]);
            var setupRatio = Median([.. rows.Select(r => r.RetainedSetup / r.Step)]);
            Say(string.Create(CultureInfo.InvariantCulture,
                $"medians over {rounds} rounds: step {stepMs:F0} ms; one Hessian-vector product on one batch of {BatchSize} = {recomputedRatio:F2} steps recomputed, {retainedRatio:F2} steps retained (+ {setupRatio:F2} steps per batch to build)"));
            foreach (var n in new[] { 2, 4 })
                foreach (var k in new[] { 10, 20 })
                    Say(string.Create(CultureInfo.InvariantCulture,
                        $"  estimate of {k} iterations × {n} batches ≈ {k * n * recomputedRatio:F0} steps recomputed, {n * (setupRatio + k * retainedRatio):F0} steps retained = {k * n * recomputedRatio / 79:F2} / {n * (setupRatio + k * retainedRatio) / 79:F2} epochs of 79 steps"));

            // peak memory of one estimate of each kind
            foreach (var retain in new[] { false, true })
                foreach (var n in new[] { 2, 4 })
                {
                    GC.Collect();
                    ProcessMemory.ResetPeak();
                    var before = ProcessMemory.RssMb();
                    Estimate(state.Model, heldOut.Take(n).ToArray(), new HessianOptions { MaxIterations = 3, Tolerance = 0, RetainGraphs = retain }, 3);
                    Say($"memory, {(retain ? "retained" : "recomputed")} × {n} batches: RSS {before:F0} MB before, peak {ProcessMemory.PeakRssMb():F0} MB, after {ProcessMemory.RssMb():F0} MB");
                }
            ProcessMemory.ResetPeak();
            StepMedian(3);
            Say($"memory, single-level steps: peak {ProcessMemory.PeakRssMb():F0} MB");

            // how many products the default tolerance takes, at initialisation and after some search steps
            foreach (var trained in new[] { 0, 100 })
            {
                if (trained > 0) StepMedian(trained);
                var clock = Stopwatch.StartNew();
                var converged = Estimate(state.Model, heldOut.Take(2).ToArray(), new HessianOptions(), 1);
                var seconds = clock.Elapsed.TotalSeconds;
                var loose = Estimate(state.Model, heldOut.Take(2).ToArray(), new HessianOptions { Tolerance = 1e-3 }, 1);
                Say($"after {trained} extra steps: tolerance 1e-4 → λ {converged.Eigenvalue:G5} in {converged.Iterations} iterations (converged {converged.Converged}, residual {converged.RelativeResidual:G2}, {seconds:F1} s); " +
                    $"1e-3 → λ {loose.Eigenvalue:G5} in {loose.Iterations} (converged {loose.Converged})");
            }

        }
        finally
        {
            TorchRuntime.Configure(Tiny.Threads);
            foreach (var line in report.ToString().Split('\n')) Console.WriteLine(line);
        }
    }

    /// <summary>Products a cold and a warm start (the previous estimate's eigenvector) need, two epochs of search apart.</summary>
    [SkippableFact]
    public void Warm_start_two_epochs_later()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("SINGLEDARTS_HESSIAN_BENCH") == "1", "set SINGLEDARTS_HESSIAN_BENCH=1 to run the benchmark");
        var threads = int.TryParse(Environment.GetEnvironmentVariable("SINGLEDARTS_HESSIAN_BENCH_THREADS"), out var t) ? t : 2;
        TorchRuntime.Configure(threads);
        try
        {
            using var g = new Generator(0, CPU);
            using var state = new SearchState(SearchSpaces.Get("nb201").Build(Tiny.Settings(Channels, Cells, Classes), g), new OptimizerSettings());
            var source = new CountingSource(Batches(g, 16));
            var heldOut = Batches(g, 1);
            var strategy = new SingleLevel();
            var pacer = new Nn.GcPacer(20);
            var options = new HessianOptions { MaxIterations = 30, Tolerance = 1e-3, RetainGraphs = true };
            var previous = Estimate(state.Model, heldOut, options, 1);
            for (var epoch = 2; epoch <= 8; epoch += 2)
            {
                for (var i = 0; i < 2 * 79; i++)
                {
                    strategy.Step(state, source, null, 0.025);
                    pacer.Step();
                }
                var cold = Estimate(state.Model, heldOut, options, 1);
                using var start = new Generator(1, CPU);
                var warm = ValidationHessian.DominantEigenvalue(state.Model, heldOut, options, start, previous.Eigenvector);
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"epoch {epoch}: cold λ {cold.Eigenvalue:G5} in {cold.Iterations} iterations, warm λ {warm.Eigenvalue:G5} in {warm.Iterations} (converged {cold.Converged}/{warm.Converged})");
                Console.WriteLine(line);
                if (Environment.GetEnvironmentVariable("SINGLEDARTS_HESSIAN_BENCH_OUT") is { Length: > 0 } path) File.AppendAllText(path, line + "\n");
                previous = warm;
            }
        }
        finally
        {
            TorchRuntime.Configure(Tiny.Threads);
        }
    }

    private static HessianEstimate Estimate(ISearchModel model, Batch[] heldOut, HessianOptions options, ulong seed)
    {
        using var start = new Generator(seed, CPU);
        var estimate = ValidationHessian.DominantEigenvalue(model, heldOut, options, start);
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        return estimate;
    }

    private static Batch[] Batches(Generator g, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => HessianEigenvalueTests.RandomBatch(g, BatchSize, Size))];

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
