using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using SingleDarts.Grains;

namespace SingleDarts.Hosting.Storage;

public static class StorageHosting
{
    /// <summary>
    /// Grain state, reminders and checkpoints as <paramref name="options"/> say (clustering is
    /// chosen by <see cref="SingleDartsHosting.UseSingleDarts(ISiloBuilder, Microsoft.Extensions.Configuration.IConfiguration)"/>).
    /// Call before <c>UseSingleDarts(WorkerOptions)</c>, which falls back to memory state and reminders.
    /// </summary>
    /// <exception cref="StorageConfigException">the settings are wrong.</exception>
    public static ISiloBuilder UseSingleDartsStorage(this ISiloBuilder silo, StorageOptions options)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new StorageConfigException(problems);
        silo.Services.AddSingleton(options);       // what the host reports at start-up
        if (!options.IsAzure)
        {
            if (options.EffectiveGrainState == "folder")
            {
                var root = Path.GetFullPath(options.StateFolder);
                silo.Services.AddGrainStorage(SweepStorage.Name, (sp, _) => new FileGrainStorage(root, sp.GetRequiredService<IGrainStorageSerializer>()));
            }
            silo.Services.Replace(ServiceDescriptor.Singleton<ICheckpointStores>(new LocalCheckpointStores(options.CheckpointPolicy)));
            return silo;
        }

        var connection = options.ConnectionString!;
        if (options.EffectiveGrainState == "blob")
            silo.AddAzureBlobGrainStorage(SweepStorage.Name, o =>
            {
                o.BlobServiceClient = new BlobServiceClient(connection);
                o.ContainerName = options.StateContainer;
            });
        else
            silo.AddAzureTableGrainStorage(SweepStorage.Name, o =>
            {
                o.TableServiceClient = new TableServiceClient(connection);
                o.TableName = options.StateTable;
            });
        silo.UseAzureTableReminderService(o =>
        {
            o.TableServiceClient = new TableServiceClient(connection);
            o.TableName = options.ReminderTable;
        });
        silo.Services.Replace(ServiceDescriptor.Singleton<ICheckpointStores>(
            new BlobCheckpointStores(CheckpointBlobs(connection), options.CheckpointContainer, options.CheckpointPolicy)));
        return silo;
    }

    /// <summary>
    /// The Blob client of the checkpoint store: few quick SDK retries, since the checkpoint layer
    /// waits out longer outages itself (<see cref="Search.Checkpoints.CheckpointPolicy"/>) and says so.
    /// </summary>
    public static BlobServiceClient CheckpointBlobs(string connectionString) => new(connectionString, new BlobClientOptions
    {
        Retry = { MaxRetries = 2, Delay = TimeSpan.FromMilliseconds(500), NetworkTimeout = TimeSpan.FromSeconds(60) },
    });

    /// <summary>Cluster membership in an Azure Table (for silos on several machines).</summary>
    public static ISiloBuilder UseSingleDartsAzureClustering(this ISiloBuilder silo, StorageOptions options) =>
        silo.UseAzureStorageClustering(o =>
        {
            o.TableServiceClient = new TableServiceClient(options.ConnectionString);
            o.TableName = options.ClusterTable;
        });
}
