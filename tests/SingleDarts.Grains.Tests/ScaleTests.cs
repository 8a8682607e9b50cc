using SingleDarts.Search.Spaces.Nb201;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Orleans.TestingHost;
using SingleDarts.Abstractions;
using SingleDarts.Hosting;
using SingleDarts.Hosting.Storage;
using Xunit.Abstractions;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// A sweep at cluster scale, orchestration alone: 1,000 seeds × 50 epochs of the simulated search
/// (no libtorch) over four worker silos. Every seed completes, the aggregates equal a
/// recomputation from the simulated records, the coordinator's state writes stay small and few —
/// each a few dozen bytes per seed, at most one a second plus one per ended seed, never the
/// epochs' histories — and `sweep status` answers while it runs. Once on in-memory grain state,
/// once on Azure Table storage (Azurite), where no write may fail.
/// </summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "integration")]
public sealed class ScaleTests(Azurite azurite, ITestOutputHelper output)
{
    private const int Silos = 4, SlotsPerSilo = 16, SeedsPerMethod = 500, Epochs = 50;
    private static readonly string[] Methods = ["single", "darts-v1"];

    [Theory]
    [InlineData("memory")]
    [InlineData("table")]
    public async Task A_thousand_seeds_of_fifty_epochs_complete_with_exact_aggregates_and_small_bounded_coordinator_writes(string grainState)
    {
        var runs = Tiny.TempDir();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var builder = new InProcessTestClusterBuilder(Silos);
        builder.ConfigureSilo((_, silo) =>
        {
            if (grainState == "table")
                silo.UseSingleDartsStorage(new StorageOptions
                {
                    Kind = "azure",
                    GrainState = "table",
                    ConnectionString = azurite.ConnectionString,
                    StateTable = "Scale" + tag,
                    ReminderTable = "ScaleReminders" + tag,
                    StateContainer = "scale-" + tag,
                    CheckpointContainer = "scale-checkpoints-" + tag,
                });
            silo.UseSingleDarts(new WorkerOptions { Enabled = true, Slots = SlotsPerSilo, RunsRoot = runs });
            silo.Services.Replace(ServiceDescriptor.Singleton<ISeedSearch>(new SimulatedSeedSearch(TimeSpan.FromMilliseconds(10))));
            CountingGrainStorage.Install(silo.Services, SweepStorage.Name);
            silo.Services.AddLogging(l => l.AddFilter("Orleans", LogLevel.Warning));
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();

        var seeds = Enumerable.Range(0, SeedsPerMethod).Select(i => (long)i).ToArray();
        var spec = Tiny.Spec(Methods, seeds, epochs: Epochs);
        var id = Tiny.NewId("scale");
        var grain = cluster.Client.GetGrain<ISweepGrain>(id);
        var clock = Stopwatch.StartNew();
        var pausedBefore = GC.GetTotalPauseDuration();
        var gen2Before = GC.CollectionCount(2);
        Assert.Empty((await grain.Start(spec)).Problems);

        var latencies = new List<double>();
        SweepStatus status;
        while (true)
        {
            var asked = Stopwatch.StartNew();
            status = (await grain.GetStatus())!;
            latencies.Add(asked.Elapsed.TotalMilliseconds);
            SeedFailures.ThrowIfAny(status, $"the end of sweep {id}");
            if (status.State != SweepState.Running || clock.Elapsed > TimeSpan.FromMinutes(5)) break;
            await Task.Delay(200);
        }
        var seconds = clock.Elapsed.TotalSeconds;

        output.WriteLine($"grain state serializer: {cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredService<IGrainStorageSerializer>().GetType().Name}");
        output.WriteLine($"GC: {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:F0} ms paused, {GC.CollectionCount(2) - gen2Before} gen2 collections, server GC {System.Runtime.GCSettings.IsServerGC}");
        output.WriteLine("status latencies (ms, in order): " + string.Join(" ", latencies.Select(l => l.ToString("F0"))));
        var sweep = Sum(cluster, "sweep");
        var seed = Sum(cluster, "seed");
        latencies.Sort();
        output.WriteLine($"{grainState}: {status.Seeds.Length} seeds x {Epochs} epochs in {seconds:F1} s; sweep status median {latencies[latencies.Count / 2]:F0} ms, max {latencies[^1]:F0} ms over {latencies.Count} calls");
        output.WriteLine($"coordinator: {sweep.Writes} writes, {sweep.Bytes / 1024.0:F0} KiB in all, largest {sweep.Largest / 1024.0:F1} KiB; seeds: {seed.Writes} writes, {seed.Bytes / 1024.0 / 1024.0:F1} MiB");

        Assert.Equal(SweepState.Completed, status.State);
        Assert.Equal(Methods.Length * SeedsPerMethod, status.Seeds.Length);
        Assert.All(status.Seeds, s => Assert.Equal(SeedState.Completed, s.State));
        // `sweep status` answered while the coordinator worked (GetStatus interleaves with it): the latencies are in the
        // test's output; their speed is `sweep scale-bench`'s to measure, not a test's to assert (a loaded machine stalls them)
        Assert.NotEmpty(latencies);

        // the coordinator writes its records, never histories: ~66 bytes a seed as the storage serialises them with the
        // five metrics a synthetic search declares (each declared metric adds ~11), at most twice a second: its batched
        // write and one for a seed that ends after a quiet second
        Assert.Equal(0, sweep.Failures + seed.Failures);
        var perSeed = (double)sweep.Largest / (Methods.Length * SeedsPerMethod);
        Assert.True(perSeed < 100, $"largest coordinator write {sweep.Largest} bytes, {perSeed:F0} a seed");
        Assert.True(sweep.Writes <= 2 * (long)Math.Ceiling(seconds) + 5, $"{sweep.Writes} coordinator writes in {seconds:F0} s");

        foreach (var method in Methods)
        {
            var aggregate = status.Methods.Single(m => m.Method == method);
            var records = seeds.Select(s => Enumerable.Range(1, Epochs).Select(e => SimulatedSeedSearch.Epoch(method, s, e, Epochs)).ToArray()).ToArray();
            Assert.Equal(Epochs, aggregate.Curve.Length);
            for (var e = 0; e < Epochs; e++)
            {
                Recomputed.AssertStat([.. records.Select(r => r[e].ValidAcc!.Value)], aggregate.Curve[e].ValidAcc);
                Recomputed.AssertStat([.. records.Select(r => r[e].TrainAcc)], aggregate.Curve[e].TrainAcc);
                Recomputed.AssertStat([.. records.Select(r => (double)Recomputed.ParamFree(r[e].Arch))], aggregate.Curve[e].Metrics[CellMetrics.ParamFree]);
            }
            var finals = records.Select(r => r[^1]).ToList();
            Recomputed.AssertStat([.. finals.Select(f => f.ValidAcc!.Value)], aggregate.ValidAcc);
            var archs = finals.Select(f => f.Arch).ToList();
            Assert.Equal((double)archs.Count(a => Recomputed.ParamFree(a) >= spec.CollapseThreshold) / archs.Count, aggregate.CollapseRate);
            var (modal, share) = Recomputed.Modal(archs);
            Assert.Equal(modal, aggregate.ModalArch);
            Assert.Equal(share, aggregate.ModalShare);
            Assert.Equal(Recomputed.MeanPairwiseHamming(archs), aggregate.MeanPairwiseHamming!.Value, 1e-12);
        }
    }

    [Fact]
    public async Task The_coordinator_row_of_ten_thousand_ended_seeds_is_written_to_an_Azure_table_with_room_to_spare_and_reads_back_whole()
    {
        const int perMethod = 5_000;
        var spec = Tiny.Spec(Methods, [.. Enumerable.Range(0, perMethod).Select(i => (long)i)], epochs: Epochs);
        var seeds = SweepSeeds.Create("big", spec, Epochs, Nb201Space.Instance);
        var curves = new EpochCurves(Methods);
        foreach (var seed in seeds)
        {
            var (method, n) = (seed.Status.Method, seed.Status.Seed);
            for (var e = 1; e <= Epochs; e++) curves.Add(method, Wire.Of(SimulatedSeedSearch.Epoch(method, n, e, Epochs)));
            var failed = n % 10 == 0;      // every tenth failed, each with a reason of its own
            seed.Dispatched = true;
            seed.Counted = failed ? (int)(n % Epochs) : Epochs;
            seed.Status = seed.Status with
            {
                State = failed ? SeedState.Failed : SeedState.Completed,
                Silo = $"10.0.{n % 7}.1:11111",
                Reason = failed ? $"the gradient of α became NaN at epoch {n % Epochs + 1}, step {n}" : null,
                Last = Wire.Of(SimulatedSeedSearch.Epoch(method, n, Epochs, Epochs)) is var last ? last with { Metrics = new(last.Metrics) { [Search.Spaces.Nb201.Nb201Benchmark.TestAcc] = 90 + n % 5 + 0.1234, [Search.Spaces.Nb201.Nb201Benchmark.Rank] = n } } : null,
            };
        }
        var state = new SweepGrainState
        {
            Spec = spec,
            State = SweepState.Completed,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishedAt = DateTimeOffset.UtcNow,
            Seeds = SweepSeeds.Pack(seeds, Nb201Space.Instance),
            Curves = curves.Pack(),
        };

        var tag = Guid.NewGuid().ToString("N")[..8];
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseSingleDartsStorage(new StorageOptions
            {
                Kind = "azure",
                ConnectionString = azurite.ConnectionString,
                StateTable = "Big" + tag,
                ReminderTable = "BigReminders" + tag,
                StateContainer = "big-" + tag,
                CheckpointContainer = "big-checkpoints-" + tag,
            });
            silo.UseSingleDarts(new WorkerOptions { Enabled = false, RunsRoot = Tiny.TempDir() });
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var services = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress);
        var size = services.GetRequiredService<IGrainStorageSerializer>().Serialize(state).ToMemory().Length;
        output.WriteLine($"10,000 seeds: {state.Seeds.Length / 1024.0:F0} KiB of records, {state.Curves.Length / 1024.0:F1} KiB of curves, {size / 1024.0:F0} KiB as the row's JSON");
        // ~55 bytes a seed with its last epoch's metrics (the cell counts recomputed from its slots): 10,000 seeds stay well inside the 1 MiB entity
        Assert.True(size < 640 * 1024, $"{size} bytes: not well inside Azure Table's 1 MiB entity");

        var storage = services.GetRequiredKeyedService<IGrainStorage>(SweepStorage.Name);
        var grainId = GrainId.Create("sweep", "big-" + tag);
        await storage.WriteStateAsync("sweep", grainId, new GrainState<SweepGrainState>(state));
        var read = new GrainState<SweepGrainState>(new SweepGrainState());
        await storage.ReadStateAsync("sweep", grainId, read);

        var back = SweepSeeds.Unpack(read.State!.Seeds, "big", read.State.Spec!, Epochs, Nb201Space.Instance);
        for (var i = 0; i < seeds.Count; i++)
        {
            var (a, b) = (seeds[i].Status, back[i].Status);
            Assert.Equal((a.Method, a.Seed, a.State, a.Silo, a.Reason, seeds[i].Counted, seeds[i].Dispatched), (b.Method, b.Seed, b.State, b.Silo, b.Reason, back[i].Counted, back[i].Dispatched));
            var (x, y) = (a.Last!, b.Last!);
            Assert.Equal((x.ValidAcc, x.Arch), (y.ValidAcc, y.Arch));
            Assert.Equal(x.Metrics.OrderBy(kv => kv.Key), y.Metrics.OrderBy(kv => kv.Key));      // every metric, bit for bit
        }
        var curvesBack = EpochCurves.Unpack(read.State.Curves, Methods);
        foreach (var method in Methods) Recomputed.AssertSameCurve(curves.Curve(method), curvesBack.Curve(method));
    }

    private static CountingGrainStorage.Tally Sum(InProcessTestCluster cluster, string stateName)
    {
        var sum = new CountingGrainStorage.Tally();
        foreach (var silo in cluster.Silos)
        {
            var storage = (CountingGrainStorage)cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredKeyedService<IGrainStorage>(SweepStorage.Name);
            var t = storage.Of(stateName);
            sum.Writes += t.Writes;
            sum.Bytes += t.Bytes;
            sum.Failures += t.Failures;
            sum.Largest = Math.Max(sum.Largest, t.Largest);
        }
        return sum;
    }
}
