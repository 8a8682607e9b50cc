using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;
using SingleDarts.Abstractions;
using SingleDarts.Hosting;
using SingleDarts.Search.Runs;
using Xunit.Abstractions;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// The hazard of a long-lived silo: many seeds, one process, the garbage collector running at any
/// moment. Seen before the fix: a few percent of hundreds of tiny seeds on one silo failed with
/// NaN or "Expected false to be true … toFloat", one completed with NaN in α, and two reported
/// held-out accuracies their standalone runs do not give — memory freed under live calls. Here one
/// embedded worker silo with two slots runs 210 tiny seeds back to back while another thread
/// forces collections non-stop, and every seed must equal its standalone run bit for bit.
/// </summary>
[Trait("Category", "integration")]
public sealed class LongLivedSiloTests(ITestOutputHelper output)
{
    private const int SeedsPerMethod = 70;
    private static readonly string[] Methods = ["single", "darts-v1", "darts-v2"];

    private static SearchOptions TinySeed(int epochs = 1) => Tiny.Options(epochs) with { TrainSize = 64 };

    [Fact]
    public async Task Two_hundred_tiny_seeds_on_one_silo_under_forced_collections_each_equal_their_standalone_run()
    {
        var seeds = Enumerable.Range(0, SeedsPerMethod).Select(i => (long)i).ToArray();
        var spec = Tiny.Spec(Methods, seeds) with { SearchJson = SearchOptionsJson.ToJson(TinySeed()) };

        // the standalone runs first, one after another, as `singledarts search` would do them
        var clock = Stopwatch.StartNew();
        var standalone = new Dictionary<(string, long), SearchResult>();
        var dir = Tiny.TempDir();
        foreach (var method in Methods)
            foreach (var seed in seeds)
                standalone[(method, seed)] = SearchRunner.Run(SweepValidation.OptionsFor(spec, method, seed), Path.Combine(dir, $"{method}-{seed}"));
        output.WriteLine($"{standalone.Count} standalone runs: {clock.Elapsed.TotalSeconds:F1} s");

        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseSingleDarts(new WorkerOptions { Enabled = true, Slots = 2, RunsRoot = Path.Combine(dir, "silo") });
            silo.Services.AddLogging(l => l.AddFilter("Orleans", LogLevel.Warning));
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();

        using var stop = new CancellationTokenSource();
        var collections = 0;
        var hammer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                collections++;
                Thread.Sleep(2);
            }
        }) { IsBackground = true, Name = "collector" };
        hammer.Start();
        SweepStatus status;
        clock.Restart();
        try
        {
            var id = Tiny.NewId("longlived");
            var grain = cluster.Client.GetGrain<ISweepGrain>(id);
            Assert.Empty((await grain.Start(spec)).Problems);
            var until = DateTime.UtcNow.AddMinutes(10);
            while (true)
            {
                status = (await grain.GetStatus())!;
                SeedFailures.ThrowIfAny(status, "the end of the long-lived sweep");
                if (status.State != SweepState.Running || DateTime.UtcNow > until) break;
                await Task.Delay(500);
            }
        }
        finally
        {
            stop.Cancel();
            hammer.Join();
        }
        output.WriteLine($"{status.Seeds.Length} seeds through the silo: {clock.Elapsed.TotalSeconds:F1} s, {collections} forced collections meanwhile");

        Assert.Equal(Methods.Length * SeedsPerMethod, status.Seeds.Length);
        var slots = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredService<SeedSlots>();
        Assert.Equal(2, slots.Peak);   // two seeds trained at once
        var differing = new List<string>();
        foreach (var seed in status.Seeds)
        {
            Assert.True(seed.State == SeedState.Completed, $"{seed.Method} seed {seed.Seed}: {seed.State} {seed.Reason}");
            var direct = standalone[(seed.Method, seed.Seed)];
            var last = seed.Last!;
            if (last.Arch != direct.Arch || !Bits(last.Alphas).SequenceEqual(Bits(direct.Alphas)) || last.ValidAcc != direct.ValidAcc)
                differing.Add($"{seed.Method} seed {seed.Seed}: valid {last.ValidAcc} vs {direct.ValidAcc}, arch {last.Arch} vs {direct.Arch}");
        }
        Assert.True(differing.Count == 0, $"{differing.Count} seeds differ from their standalone runs:\n" + string.Join("\n", differing));
    }

    private static IEnumerable<int> Bits(float[][] alphas) => alphas.SelectMany(r => r).Select(BitConverter.SingleToInt32Bits);
}
