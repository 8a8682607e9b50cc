using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using SingleDarts.Abstractions;
using SingleDarts.Grains;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Runs;

namespace SingleDarts.Hosting.Storage;

/// <summary>
/// Checkpoints as block blobs <c>{sweep}/{method}-seed{seed}/epoch-NNNN.ckpt</c> in one container:
/// every worker reaches them, so a seed resumes on any silo. A block blob becomes visible only
/// once its upload commits, so a crash mid-upload never leaves a torn checkpoint; the checksum
/// inside each checkpoint is verified when it is read.
/// </summary>
public sealed partial class BlobCheckpointStore(BlobContainerClient container, string prefix, Action ensureContainer) : ICheckpointStore
{
    public string Location => $"{container.Uri.GetLeftPart(UriPartial.Path)}/{prefix}";

    public IReadOnlyList<int> Epochs() => Call("list checkpoints in", Location, () =>
    {
        ensureContainer();
        try
        {
            return (IReadOnlyList<int>)[.. container.GetBlobs(BlobTraits.None, BlobStates.None, prefix + "/", CancellationToken.None).Select(b => BlobName().Match(b.Name))
                .Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order()];
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            return [];      // the container went away (deleted, or a storage back without its last writes): no checkpoints
        }
    });

    public void Write(int epoch, byte[] bytes) => Call("write", NameOf(epoch), () =>
    {
        ensureContainer();
        var blob = container.GetBlobClient(BlobPath(epoch));
        try
        {
            blob.Upload(new BinaryData(bytes), overwrite: true);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // created earlier in this process, gone since (deleted, or a storage back without its last writes): create it again
            container.CreateIfNotExists();
            blob.Upload(new BinaryData(bytes), overwrite: true);
        }
        return true;
    });

    public byte[] Read(int epoch) => Call("read", NameOf(epoch), () => container.GetBlobClient(BlobPath(epoch)).DownloadContent().Value.Content.ToArray());

    public void Delete(int epoch) => Call("delete", NameOf(epoch), () => container.GetBlobClient(BlobPath(epoch)).DeleteIfExists().Value);

    public string NameOf(int epoch) => $"{container.Uri.GetLeftPart(UriPartial.Path)}/{BlobPath(epoch)}";

    private string BlobPath(int epoch) => string.Create(CultureInfo.InvariantCulture, $"{prefix}/epoch-{epoch:D4}.ckpt");

    /// <summary>Storage failures as <see cref="CheckpointStoreException"/>: outages and throttling are transient, a missing blob or a refused credential is not.</summary>
    private static T Call<T>(string what, string name, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new CheckpointStoreException($"{name} is gone", transient: false, ex);
        }
        catch (RequestFailedException ex)
        {
            var transient = ex.Status is 0 or 408 or 429 or >= 500;
            throw new CheckpointStoreException($"cannot {what} {name}: {Brief(ex)}", transient, ex);
        }
        catch (Exception ex) when (ex is AggregateException or HttpRequestException or IOException or SocketException or TimeoutException)
        {
            throw new CheckpointStoreException($"cannot {what} {name}: {Brief(ex)}", transient: true, ex);
        }
    }

    private static string Brief(Exception ex) => Secrets.Brief(ex);

    [GeneratedRegex(@"/epoch-(\d+)\.ckpt$")]
    private static partial Regex BlobName();
}

/// <summary>Every seed's checkpoints in one Blob container, created on first use.</summary>
public sealed class BlobCheckpointStores : ICheckpointStores
{
    private readonly BlobContainerClient container;
    private volatile bool created;

    public BlobCheckpointStores(BlobServiceClient service, string containerName, CheckpointPolicy policy)
    {
        container = service.GetBlobContainerClient(containerName);
        Policy = policy;
    }

    public CheckpointPolicy Policy { get; }

    public ICheckpointStore For(SeedSpec seed, RunFolder folder) =>
        new BlobCheckpointStore(container, seed.Stage == SeedStages.Search ? $"{seed.SweepId}/{seed.Method}-seed{seed.Seed}"
            : $"{seed.SweepId}/{seed.Method}-seed{seed.Seed}-{seed.Stage}", EnsureContainer);

    private void EnsureContainer()
    {
        if (created) return;
        container.CreateIfNotExists();
        created = true;
    }
}
