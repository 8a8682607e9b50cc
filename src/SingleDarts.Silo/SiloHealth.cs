using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SingleDarts.Grains;
using SingleDarts.Hosting.Storage;

namespace SingleDarts.Silo;

/// <summary>Healthy from the moment the silo is active (it joined the cluster and takes calls) until it begins to stop.</summary>
public sealed class SiloActiveCheck : IHealthCheck, ILifecycleParticipant<ISiloLifecycle>
{
    private volatile bool active;

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(nameof(SiloActiveCheck), ServiceLifecycleStage.Active,
        _ =>
        {
            active = true;
            return Task.CompletedTask;
        },
        _ =>
        {
            active = false;
            return Task.CompletedTask;
        });

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(active ? HealthCheckResult.Healthy("the silo is active") : HealthCheckResult.Unhealthy("the silo is not active (starting or stopping)"));
}

/// <summary>
/// Whether the silo's storage answers: with azure, the account's Table service (the cluster table's
/// listing) and Blob service (the checkpoint container); with a state folder, a file written and
/// removed there; in-memory state is always there. No SDK retries: a probe asks once, within
/// <see cref="HealthSettings.StorageTimeoutSeconds"/>.
/// </summary>
public sealed class StorageCheck : IHealthCheck
{
    private readonly StorageOptions storage;
    private readonly TimeSpan timeout;
    private readonly TableServiceClient? tables;
    private readonly BlobContainerClient? checkpoints;

    public StorageCheck(StorageOptions storage, HealthSettings health)
    {
        this.storage = storage;
        timeout = TimeSpan.FromSeconds(health.StorageTimeoutSeconds);
        if (!storage.IsAzure) return;
        tables = new TableServiceClient(storage.ConnectionString, new TableClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = timeout } });
        checkpoints = new BlobServiceClient(storage.ConnectionString, new BlobClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = timeout } })
            .GetBlobContainerClient(storage.CheckpointContainer);
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            if (tables is not null && checkpoints is not null)
            {
                await foreach (var _ in tables.QueryAsync(t => t.Name == storage.ClusterTable, maxPerPage: 1, limit.Token)) break;
                await checkpoints.ExistsAsync(limit.Token);
                return HealthCheckResult.Healthy($"azure storage answers ({Secrets.Describe(storage.ConnectionString ?? "")})");
            }
            if (storage.EffectiveGrainState == "folder")
            {
                await Task.Run(() => Probe(Path.GetFullPath(storage.StateFolder)), limit.Token);
                return HealthCheckResult.Healthy($"state folder {Path.GetFullPath(storage.StateFolder)} is writable");
            }
            return HealthCheckResult.Healthy("in-memory grain state");
        }
        catch (Exception ex) when (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"the storage did not answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or IOException or UnauthorizedAccessException or AggregateException)
        {
            return HealthCheckResult.Unhealthy($"the storage is unreachable: {Secrets.Brief(ex)}");
        }
    }

    private static void Probe(string folder)
    {
        Directory.CreateDirectory(folder);
        var probe = Path.Combine(folder, $".health-{Environment.ProcessId}");
        File.WriteAllBytes(probe, [1]);
        File.Delete(probe);
    }
}
