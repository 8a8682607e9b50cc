using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;
using SingleDarts.Abstractions;
using SingleDarts.Hosting;
using SingleDarts.Hosting.Storage;
using SingleDarts.Search.Runs;
using SingleDarts.Tests;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// Silos lost mid-run on a 3-silo cluster whose grain state, reminders and checkpoints are in
/// Azure Storage (Azurite): the sweep completes, nothing is lost, and every resumed seed ends
/// bit-identical to an uninterrupted search.
/// </summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "integration")]
public sealed class FailoverTests(Azurite azurite)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    [Theory]
    [InlineData("darts-v1")]
    [InlineData("gdas")]        // a draw per forward from the seed's generator: its state must travel in the checkpoint
    [InlineData("pc-darts")]    // β of edge normalisation in the checkpoint, channels split and shuffled
    public async Task A_seed_whose_silo_is_killed_mid_epoch_resumes_on_the_other_worker_and_ends_bit_identical(string method)
    {
        await using var cluster = await AzureCluster.Start(azurite);
        var spec = Spec(method, [11], epochs: 4);
        var id = await cluster.StartSweep(spec);

        var running = await cluster.WaitFor(id, s => MidEpoch(s.Seeds[0], afterEpoch: 1));
        var victim = running.Seeds[0].Silo!;
        await cluster.Kill(victim);

        var end = await cluster.WaitFor(id, s => s.State != SweepState.Running);
        var seed = Assert.Single(end.Seeds);
        Assert.True(seed.State == SeedState.Completed, $"{seed.State}: {seed.Reason}");
        Assert.NotEqual(victim, seed.Silo);
        Assert.Contains(seed.Warnings, w => w.Contains("resumed on") && w.Contains(victim));
        await AssertBitIdentical(cluster, id, spec, seed);
    }

    /// <summary>
    /// Losing a worker must not touch the seeds of the surviving one. With an eventually consistent grain
    /// directory, a seed whose directory entry lived on the lost silo could get a second activation on its own
    /// live silo at the coordinator's next call, and re-run its unfinished epoch ("restarted on …").
    /// </summary>
    [Fact]
    public async Task Killing_one_worker_never_restarts_a_seed_running_on_the_other()
    {
        await using var cluster = await AzureCluster.Start(azurite, slots: 4);
        var spec = Spec("single", [.. Enumerable.Range(20, 8).Select(i => (long)i)], epochs: 3);
        var id = await cluster.StartSweep(spec);

        var running = await cluster.WaitFor(id, s => s.Seeds.Count(x => x.State == SeedState.Running && x.Step > 0) == 8);
        var victim = running.Seeds[0].Silo!;
        var survivors = running.Seeds.Where(x => x.Silo != victim).Select(x => x.Seed).ToHashSet();
        Assert.NotEmpty(survivors);
        await cluster.Kill(victim);

        var end = await cluster.WaitFor(id, s => s.State != SweepState.Running);
        Assert.All(end.Seeds, s => Assert.True(s.State == SeedState.Completed, $"seed {s.Seed}: {s.State} {s.Reason}"));
        foreach (var seed in end.Seeds.Where(s => survivors.Contains(s.Seed)))
        {
            Assert.NotEqual(victim, seed.Silo);
            Assert.DoesNotContain(seed.Warnings, w => w.Contains("restarted on") || w.Contains("resumed on"));      // it simply ran on
        }
        Assert.All(end.Seeds.Where(s => !survivors.Contains(s.Seed)), s => Assert.Contains(s.Warnings, w => w.Contains($"{victim} was lost")));
    }

    [Fact]
    public async Task An_evaluation_whose_silo_is_killed_mid_epoch_resumes_on_the_other_worker_and_ends_bit_identical()
    {
        await using var cluster = await AzureCluster.Start(azurite);
        var spec = Spec("single", [16], epochs: 1) with { EvaluateJson = """{"epochs": 3, "channels": 4, "cells": 1, "batch_size": 8}""" };
        var id = await cluster.StartSweep(spec);

        var running = await cluster.WaitFor(id, s => s.Seeds.Single(x => x.IsEvaluation) is var e && MidEpoch(e, afterEpoch: 1));
        var victim = running.Seeds.Single(x => x.IsEvaluation).Silo!;
        await cluster.Kill(victim);

        var end = await cluster.WaitFor(id, s => s.State != SweepState.Running);
        var evaluation = end.Seeds.Single(x => x.IsEvaluation);
        Assert.True(evaluation.State == SeedState.Completed, $"{evaluation.State}: {evaluation.Reason}");
        Assert.NotEqual(victim, evaluation.Silo);
        Assert.Contains(evaluation.Warnings, w => w.Contains("resumed on") && w.Contains(victim));
        var search = end.Seeds.Single(x => !x.IsEvaluation);
        var direct = EvalRunner.Run(SweepValidation.EvaluationOptions(spec)! with { Arch = search.Last!.Arch, Seed = 16 },
            Path.Combine(Tiny.TempDir(), "direct"));
        Assert.Equal(direct.TestAcc, evaluation.Last!.TestAcc);
        var detail = (await cluster.Client.GetGrain<ISweepGrain>(id).GetSeedStage("single", 16, SeedStages.Evaluate))!;
        Assert.Equal([1, 2, 3], detail.History.Select(h => h.Epoch));
        Assert.Equal(BitConverter.DoubleToInt64Bits(direct.TrainLoss), BitConverter.DoubleToInt64Bits(detail.History[^1].TrainLoss));
        Assert.InRange(end.Methods.Single().TestAcc!.Mean, 0, 100);
    }

    [Fact]
    public async Task A_seed_killed_twice_in_one_sweep_still_completes_bit_identical()
    {
        await using var cluster = await AzureCluster.Start(azurite);
        var spec = Spec("single", [12], epochs: 6);
        var id = await cluster.StartSweep(spec);

        var first = (await cluster.WaitFor(id, s => MidEpoch(s.Seeds[0], afterEpoch: 1))).Seeds[0].Silo!;
        await cluster.Kill(first);
        await cluster.Cluster.StartAdditionalSiloAsync();       // a fresh worker joins
        var second = (await cluster.WaitFor(id, s => s.Seeds[0].Silo != first && MidEpoch(s.Seeds[0], afterEpoch: 3))).Seeds[0].Silo!;
        await cluster.Kill(second);

        var end = await cluster.WaitFor(id, s => s.State != SweepState.Running);
        var seed = Assert.Single(end.Seeds);
        Assert.True(seed.State == SeedState.Completed, $"{seed.State}: {seed.Reason}");
        Assert.DoesNotContain(seed.Silo, new[] { first, second });
        Assert.Equal(2, seed.Warnings.Count(w => w.Contains("resumed on")));
        await AssertBitIdentical(cluster, id, spec, seed);
    }

    [Theory]
    [InlineData("table")]
    [InlineData("blob")]
    public async Task Losing_the_coordinators_silo_loses_no_seed_result_and_no_aggregate(string grainState)
    {
        await using var cluster = await AzureCluster.Start(azurite, grainState);
        var spec = Spec("single", [0, 1], epochs: 4);
        var id = await cluster.StartSweep(spec);
        var coordinator = cluster.CoordinatorSilo;

        var before = await cluster.WaitFor(id, s => s.Seeds.All(x => x.State == SeedState.Running && x.EpochsDone >= 1));
        Assert.Equal(coordinator, before.Coordinator);
        await cluster.Kill(coordinator);
        await cluster.Cluster.StartAdditionalSiloAsync();       // the lost silo's replacement

        var end = await cluster.WaitFor(id, s => s.State != SweepState.Running);
        Assert.Equal(SweepState.Completed, end.State);
        Assert.NotEqual(coordinator, end.Coordinator);      // it was activated again on a surviving silo
        var method = Assert.Single(end.Methods);
        Assert.Equal(2, method.Completed);
        Assert.Equal(2, method.ValidAcc!.N);
        foreach (var seed in end.Seeds)
        {
            Assert.True(seed.State == SeedState.Completed, $"{seed.Seed}: {seed.State} {seed.Reason}");
            Assert.Equal(4, seed.EpochsDone);
            await AssertBitIdentical(cluster, id, spec, seed);
        }
        // every epoch of every seed made it into the coordinator's record (the per-epoch curves)
        Assert.Equal([1, 2, 3, 4], method.Curve.Select(e => e.Epoch));
        Assert.All(method.Curve, e => Assert.Equal(2, e.TrainAcc.N));
    }

    /// <param name="crash">Azurite killed without saving, so it comes back without its last acknowledged writes: the grains'
    /// rows then carry older ETags, which a grain must not take for another activation (it writes its state again).</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_storage_outage_mid_sweep_is_waited_out_and_nothing_is_lost(bool crash)
    {
        await using var cluster = await AzureCluster.Start(azurite);
        var spec = Spec("single", [3, 4], epochs: 12);
        var started = DateTime.UtcNow;
        var id = await cluster.StartSweep(spec);

        await cluster.WaitFor(id, s => s.Seeds.All(x => x.State == SeedState.Running && x.EpochsDone >= 1));
        // Azurite saves its metadata every 5 s (and, stopped, only if its save finishes before the kill): an outage
        // later than that keeps the cluster's, the sweep's and the seeds' rows (their creation) and loses at most the
        // writes of the last seconds — the rollback under test, not a lost cluster or sweep, which durable storage never does
        var outageAt = started + TimeSpan.FromSeconds(8);
        if (DateTime.UtcNow < outageAt) await Task.Delay(outageAt - DateTime.UtcNow);
        if (crash) azurite.Crash();
        else azurite.Stop();
        await Task.Delay(TimeSpan.FromSeconds(6));      // checkpoints, grain state and reminders all fail meanwhile
        azurite.Start();

        var end = await cluster.WaitFor(id, s => s.State != SweepState.Running);
        Assert.Equal(SweepState.Completed, end.State);
        foreach (var seed in end.Seeds)
        {
            Assert.True(seed.State == SeedState.Completed, $"{seed.Seed}: {seed.State} {seed.Reason}");
            await AssertBitIdentical(cluster, id, spec, seed);
        }
        Assert.Contains(end.Seeds.SelectMany(s => s.Warnings), w => w.Contains("checkpoint") && w.Contains("retrying"));
        Assert.DoesNotContain(end.Seeds.SelectMany(s => s.Warnings), w => w.Contains("resumed on"));      // no seed stopped or moved

        // what was written after the outage is what a new activation reads: lose the coordinator's silo and ask again
        await cluster.Kill(cluster.CoordinatorSilo);
        var reread = await cluster.WaitFor(id, s => s.Coordinator != end.Coordinator);
        Assert.Equal(SweepState.Completed, reread.State);
        Assert.All(reread.Seeds, s => Assert.Equal(12, s.EpochsDone));
        Assert.Equal(end.Methods.Single().ValidAcc, reread.Methods.Single().ValidAcc);

        // storage errors were logged, the account key never
        Assert.DoesNotContain(azurite.Key, File.ReadAllText(cluster.LogPath));
    }

    [Fact]
    public async Task A_seed_whose_state_is_lost_with_its_silo_starts_again_from_its_checkpoints_and_ends_bit_identical()
    {
        await using var cluster = await AzureCluster.Start(azurite);
        var spec = Spec("single", [13], epochs: 5);
        var id = await cluster.StartSweep(spec);

        var running = await cluster.WaitFor(id, s => MidEpoch(s.Seeds[0], afterEpoch: 1));
        // as if the seed's grain state had lived only in the memory of the silo that is about to die
        var table = new Azure.Data.Tables.TableClient(azurite.ConnectionString, cluster.Storage.StateTable);
        var rows = table.Query<Azure.Data.Tables.TableEntity>().Where(e => e.RowKey == "seed" && e.PartitionKey.EndsWith($"_{id}_single_13", StringComparison.Ordinal)).ToList();
        Assert.Single(rows);
        foreach (var row in rows) await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        await cluster.Kill(running.Seeds[0].Silo!);

        var end = await cluster.WaitFor(id, s => s.State != SweepState.Running);
        var seed = Assert.Single(end.Seeds);
        Assert.True(seed.State == SeedState.Completed, $"{seed.State}: {seed.Reason}");
        Assert.Contains(seed.Warnings, w => w.Contains("state was lost"));
        await AssertBitIdentical(cluster, id, spec, seed);
    }

    [Fact]
    public async Task A_seed_whose_checkpoints_are_gone_says_so_and_runs_again_from_the_first_epoch_to_the_same_bits()
    {
        await using var cluster = await AzureCluster.Start(azurite);
        var spec = Spec("single", [14], epochs: 4);
        var id = await cluster.StartSweep(spec);

        var running = await cluster.WaitFor(id, s => MidEpoch(s.Seeds[0], afterEpoch: 2));
        var container = new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, cluster.Storage.CheckpointContainer);
        await cluster.Kill(running.Seeds[0].Silo!);
        foreach (var blob in container.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{id}/", default))
            await container.DeleteBlobAsync(blob.Name);

        var end = await cluster.WaitFor(id, s => s.State != SweepState.Running);
        var seed = Assert.Single(end.Seeds);
        Assert.True(seed.State == SeedState.Completed, $"{seed.State}: {seed.Reason}");
        Assert.Contains(seed.Warnings, w => w.Contains("no checkpoint") && w.Contains("starts again from epoch 1"));
        await AssertBitIdentical(cluster, id, spec, seed);
    }

    [Fact]
    public async Task A_seed_activation_whose_state_another_wrote_stops_and_the_seed_is_taken_over_to_the_same_bits()
    {
        await using var cluster = await AzureCluster.Start(azurite);
        var spec = Spec("single", [15], epochs: 4);
        var id = await cluster.StartSweep(spec);

        await cluster.WaitFor(id, s => MidEpoch(s.Seeds[0], afterEpoch: 1));
        // what a second activation (a silo cut off, then declared dead) would do: write the seed's state behind its back, as its own
        var table = new Azure.Data.Tables.TableClient(azurite.ConnectionString, cluster.Storage.StateTable);
        var row = table.Query<Azure.Data.Tables.TableEntity>().Single(e => e.RowKey == "seed" && e.PartitionKey.EndsWith($"_{id}_single_15", StringComparison.Ordinal));
        Assert.True(StampOtherWriter(row), $"no state writer in the row's properties: {string.Join(", ", row.Keys)}");
        await table.UpdateEntityAsync(row, Azure.ETag.All, Azure.Data.Tables.TableUpdateMode.Replace);

        var end = await cluster.WaitFor(id, s => s.State != SweepState.Running);
        var seed = Assert.Single(end.Seeds);
        Assert.True(seed.State == SeedState.Completed, $"{seed.State}: {seed.Reason}");
        await AssertBitIdentical(cluster, id, spec, seed);
        Assert.Contains("another activation has written its state", File.ReadAllText(cluster.LogPath));
    }

    /// <summary>Replaces the activation id in a grain state row's serialized state; false when there is none.</summary>
    private static bool StampOtherWriter(Azure.Data.Tables.TableEntity row)
    {
        var writer = new System.Text.RegularExpressions.Regex("\"Writer\"\\s*:\\s*\"[^\"]*\"");
        const string other = "\"Writer\":\"an-activation-on-a-silo-declared-dead\"";
        foreach (var key in row.Keys.ToList())
        {
            switch (row[key])
            {
                case string text when writer.IsMatch(text):
                    row[key] = writer.Replace(text, other);
                    return true;
                case byte[] bytes when writer.IsMatch(System.Text.Encoding.UTF8.GetString(bytes)):
                    row[key] = System.Text.Encoding.UTF8.GetBytes(writer.Replace(System.Text.Encoding.UTF8.GetString(bytes), other));
                    return true;
                case BinaryData data when writer.IsMatch(data.ToString()):
                    row[key] = BinaryData.FromString(writer.Replace(data.ToString(), other));
                    return true;
            }
        }
        return false;
    }

    private static SweepSpec Spec(string method, long[] seeds, int epochs) => new()
    {
        Name = "failover",
        Methods = [method],
        Seeds = seeds,
        // ~1 s epochs: long enough to kill a silo in the middle of one
        SearchJson = SearchOptionsJson.ToJson(TinySearch.Options(epochs: epochs) with { TrainSize = 2048, Channels = 4 }),
    };

    private static bool MidEpoch(SeedStatus s, int afterEpoch) =>
        s.State == SeedState.Running && s.EpochsDone >= afterEpoch && s.Steps > 0 && s.Step > 0 && s.Step < s.Steps - 2;

    private static async Task AssertBitIdentical(AzureCluster cluster, string id, SweepSpec spec, SeedStatus seed)
    {
        var direct = SearchRunner.Run(SweepValidation.OptionsFor(spec, seed.Method, seed.Seed), Path.Combine(Tiny.TempDir(), "direct"));
        Assert.Equal(direct.Arch, seed.Last!.Arch);
        Assert.Equal(Bits(direct.Alphas), Bits(seed.Last.Alphas));
        Assert.Equal(direct.ValidAcc, seed.Last.ValidAcc);
        var detail = (await cluster.Client.GetGrain<ISweepGrain>(id).GetSeed(seed.Method, seed.Seed))!;
        Assert.Equal(Enumerable.Range(1, direct.Epochs), detail.History.Select(h => h.Epoch));
    }

    private static int[] Bits(float[][] alphas) => [.. alphas.SelectMany(r => r).Select(BitConverter.SingleToInt32Bits)];

    /// <summary>An in-process cluster (silo 0: gateway and coordinators, no seeds; the rest: one-slot workers) on Azure storage.</summary>
    private sealed class AzureCluster : IAsyncDisposable
    {
        private readonly Dictionary<string, bool> workerByName = [];

        public InProcessTestCluster Cluster { get; private set; } = null!;
        public IClusterClient Client => Cluster.Client;
        public string CoordinatorSilo => Cluster.Silos[0].SiloAddress.Endpoint.ToString();
        private string RunsRoot { get; } = Tiny.TempDir();

        public StorageOptions Storage { get; private set; } = null!;
        public string LogPath { get; } = Path.Combine(Tiny.TempDir(), "silos.log");

        public static async Task<AzureCluster> Start(Azurite azurite, string grainState = "table", int slots = 1)
        {
            var cluster = new AzureCluster();
            var tag = Guid.NewGuid().ToString("N")[..8];
            var storage = cluster.Storage = new StorageOptions
            {
                Kind = "azure",
                GrainState = grainState,
                ConnectionString = azurite.ConnectionString,
                StateContainer = "state-" + tag,
                StateTable = "State" + tag,
                ReminderTable = "Reminders" + tag,
                CheckpointContainer = "checkpoints-" + tag,
                CheckpointRetrySeconds = 60,
            };
            var builder = new InProcessTestClusterBuilder(3);
            builder.ConfigureSilo((options, silo) =>
            {
                bool isWorker;
                lock (cluster.workerByName)
                {
                    isWorker = cluster.workerByName.TryGetValue(options.SiloName, out var known) ? known : cluster.workerByName.Count > 0;
                    cluster.workerByName[options.SiloName] = isWorker;
                }
                silo.UseSingleDartsStorage(storage);
                silo.UseSingleDarts(new WorkerOptions { Enabled = isWorker, Slots = slots, RunsRoot = cluster.RunsRoot });
                silo.Services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
                silo.Services.Configure<CoordinatorOptions>(o =>
                {
                    o.Watchdog = TimeSpan.FromSeconds(2);
                    o.WakeSeeds = TimeSpan.FromSeconds(1);
                });
                // notice a killed silo within seconds
                silo.Services.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = TimeSpan.FromSeconds(1);
                    o.NumMissedProbesLimit = 2;
                    o.NumVotesForDeathDeclaration = 1;
                    o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
                });
                silo.Services.AddLogging(l => l.AddProvider(new FileLoggerProvider(cluster.LogPath)).AddFilter("Orleans", LogLevel.Warning));
            });
            cluster.Cluster = builder.Build();
            await cluster.Cluster.DeployAsync();
            return cluster;
        }

        /// <summary>Starts a sweep whose coordinator lives on silo 0 (the placement hint), so that killing a worker never takes it.</summary>
        public async Task<string> StartSweep(SweepSpec spec)
        {
            var id = Tiny.NewId("failover");
            RequestContext.Set(IPlacementDirector.PlacementHintKey, Cluster.Silos[0].SiloAddress);
            try
            {
                var start = await Client.GetGrain<ISweepGrain>(id).Start(spec);
                Assert.Empty(start.Problems);
            }
            finally
            {
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }
            return id;
        }

        public async Task Kill(string endpoint)
        {
            var silo = Cluster.Silos.Single(s => s.SiloAddress.Endpoint.ToString() == endpoint);
            await Cluster.KillSiloAsync(silo);
        }

        public async Task<SweepStatus> WaitFor(string id, Func<SweepStatus, bool> until)
        {
            var deadline = new ProgressDeadline(Limit, cap: TimeSpan.FromMinutes(30));
            SweepStatus? status = null;
            while (!deadline.Expired(status))
            {
                try
                {
                    status = await Client.GetGrain<ISweepGrain>(id).GetStatus()
                        ?? throw new InvalidOperationException($"sweep {id} is unknown to its coordinator: its stored state is gone");
                    if (until(status)) return status;
                    SeedFailures.ThrowIfAny(status, "a state of the sweep that a failed seed cannot reach");
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    // the silo that held the coordinator is gone; the next call activates it elsewhere
                }
                await Task.Delay(50);
            }
            throw new TimeoutException($"sweep {id} did not get there: {deadline.Describe()}: {System.Text.Json.JsonSerializer.Serialize(status)}");
        }

        public async ValueTask DisposeAsync()
        {
            await Cluster.DisposeAsync();
            try
            {
                Directory.Delete(RunsRoot, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
