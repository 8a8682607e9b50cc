using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;
using SingleDarts.Abstractions;
using SingleDarts.Grains;
using SingleDarts.Hosting;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// A real three-silo Orleans cluster in this process: the first silo is a gateway/coordinator
/// only (not a worker); the other two are CPU workers with one slot each.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int Silos = 3;

    public InProcessTestCluster Cluster { get; private set; } = null!;
    public string RunsRoot { get; } = Tiny.TempDir();

    /// <summary>The cluster's log (information and up; Orleans' own from warnings).</summary>
    public string LogPath => Path.Combine(Path.GetTempPath(), "singledarts-tests", "cluster.log");

    /// <summary>Silo name → whether it is a worker (decided when the silo is configured).</summary>
    public Dictionary<string, bool> WorkerByName { get; } = [];

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        File.Delete(LogPath);      // one run's log, not every run's
        var builder = new InProcessTestClusterBuilder(Silos);
        builder.ConfigureSilo((options, silo) =>
        {
            bool isWorker;
            lock (WorkerByName)
            {
                isWorker = WorkerByName.TryGetValue(options.SiloName, out var known) ? known : WorkerByName.Count > 0;
                WorkerByName[options.SiloName] = isWorker;
            }
            silo.UseSingleDarts(new WorkerOptions { Enabled = isWorker, Slots = 1, RunsRoot = RunsRoot });
            silo.Services.AddLogging(l => l.AddProvider(new FileLoggerProvider(LogPath)).AddFilter("Orleans", LogLevel.Warning));
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
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

    /// <summary>host:port of the worker silos and of the others.</summary>
    public (HashSet<string> Workers, HashSet<string> Others) Endpoints()
    {
        var silos = Cluster.Silos.ToList();
        return (silos.Where(s => WorkerByName[s.Name]).Select(s => s.SiloAddress.Endpoint.ToString()).ToHashSet(),
                silos.Where(s => !WorkerByName[s.Name]).Select(s => s.SiloAddress.Endpoint.ToString()).ToHashSet());
    }

    public SeedSlots SlotsOf(InProcessSiloHandle silo) => Cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<SeedSlots>();

    /// <summary>
    /// Polls the sweep until it has ended (or it made no progress for <paramref name="limit"/>: then the test fails on what it sees;
    /// a slow, loaded machine is waited for while the seeds train, up to 6 × the limit in all).
    /// A seed that fails ends the wait at once with its reason, unless the test expects failures.
    /// </summary>
    public async Task<SweepStatus> WaitForEnd(string sweepId, TimeSpan limit, bool expectFailures = false)
    {
        var grain = Client.GetGrain<ISweepGrain>(sweepId);
        var deadline = new ProgressDeadline(limit, cap: limit * 6);
        while (true)
        {
            var status = await grain.GetStatus() ?? throw new InvalidOperationException($"no sweep {sweepId}");
            if (!expectFailures) SeedFailures.ThrowIfAny(status, $"the end of sweep {sweepId}");
            if (status.State != SweepState.Running || deadline.Expired(status)) return status;
            await Task.Delay(200);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
