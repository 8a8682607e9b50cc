using SingleDarts.Abstractions;
using SingleDarts.Grains;
using SingleDarts.Hosting.Storage;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Runs;
using SingleDarts.Tests;

namespace SingleDarts.Grains.Tests;

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<Azurite>
{
    public const string Name = "azurite";
}

/// <summary>Checkpoints in Azure Blob storage (Azurite): atomic, checked, pruned, and waited out through an outage.</summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "integration")]
public sealed class AzureStorageTests(Azurite azurite)
{
    private BlobCheckpointStores Stores(CheckpointPolicy? policy = null) =>
        new(StorageHosting.CheckpointBlobs(azurite.ConnectionString), "checkpoints-" + Guid.NewGuid().ToString("N")[..8], policy ?? new CheckpointPolicy());

    private static SeedSpec Seed(string method = "single", long seed = 0) => new() { SweepId = Tiny.NewId("blob"), Method = method, Seed = seed };

    [Fact]
    public void A_search_checkpointing_to_blobs_keeps_two_and_resumes_bit_identical_from_them_on_a_machine_without_its_run_folder()
    {
        var options = TinySearch.Options("darts-v1", seed: 4, epochs: 4);
        var straight = SearchRunner.Run(options, Tiny.TempDir());

        var stores = Stores();
        var spec = Seed("darts-v1", 4);
        var first = Tiny.TempDir();
        var store = stores.For(spec, new RunFolder(first));
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            SearchRunner.Run(options, first, observer: new StopAfter(3, cts), cancel: cts.Token, checkpoints: new Checkpointing(store)));
        Assert.Equal([2, 3], store.Epochs());
        Assert.False(Directory.Exists(Path.Combine(first, "checkpoints")));       // nothing local

        // another worker, another (empty) run folder: the blobs are all it needs
        var second = Tiny.TempDir();
        var resumed = SearchRunner.Run(options, second, resume: true, checkpoints: new Checkpointing(stores.For(spec, new RunFolder(second))));
        Assert.Equal(straight.Arch, resumed.Arch);
        Assert.Equal(straight.Alphas.SelectMany(r => r).Select(BitConverter.SingleToInt32Bits), resumed.Alphas.SelectMany(r => r).Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(second, "epochs.jsonl")).Length);
        Assert.Equal([3, 4], store.Epochs());
        Assert.DoesNotContain(azurite.Key, store.Location + store.NameOf(4));
    }

    [Fact]
    public void A_damaged_newest_blob_falls_back_to_the_previous_checkpoint()
    {
        var options = TinySearch.Options(seed: 2, epochs: 3);
        var straight = SearchRunner.Run(options, Tiny.TempDir());
        var stores = Stores();
        var spec = Seed(seed: 2);
        var dir = Tiny.TempDir();
        var store = stores.For(spec, new RunFolder(dir));
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            SearchRunner.Run(options, dir, observer: new StopAfter(2, cts), cancel: cts.Token, checkpoints: new Checkpointing(store)));
        var bytes = store.Read(2);
        store.Write(2, bytes[..^7]);      // as a torn copy would leave it

        var warnings = new List<string>();
        var resumed = SearchRunner.Run(options, dir, resume: true, checkpoints: new Checkpointing(store, warn: warnings.Add));
        Assert.Contains(warnings, w => w.Contains("epoch-0002.ckpt") && w.Contains("damaged") || w.Contains("truncated"));
        Assert.Equal(straight.Arch, resumed.Arch);
        Assert.Equal(straight.Alphas.SelectMany(r => r), resumed.Alphas.SelectMany(r => r));
    }

    [Fact]
    public void A_storage_outage_mid_run_is_waited_out_and_the_run_completes()
    {
        var options = TinySearch.Options(seed: 6, epochs: 4) with { TrainSize = 1024 };
        var straight = SearchRunner.Run(options, Tiny.TempDir());
        var stores = Stores(new CheckpointPolicy { RetryFor = TimeSpan.FromMinutes(2), FirstDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(1) });
        var dir = Tiny.TempDir();
        var store = stores.For(Seed(seed: 6), new RunFolder(dir));
        var warnings = new List<string>();
        var outage = new Outage(azurite, afterEpoch: 1, seconds: 3);

        var result = SearchRunner.Run(options, dir, observer: outage, checkpoints: new Checkpointing(store, stores.Policy, w => { lock (warnings) warnings.Add(w); }));

        Assert.True(outage.Happened);
        Assert.Contains(warnings, w => w.Contains("retrying in"));
        Assert.All(warnings, w => Assert.DoesNotContain(azurite.Key, w));
        Assert.Equal(straight.Arch, result.Arch);
        Assert.Equal(straight.Alphas.SelectMany(r => r), result.Alphas.SelectMany(r => r));
        Assert.Equal([3, 4], store.Epochs());
    }

    [Fact]
    public void A_container_that_went_away_is_created_again_by_the_next_write_and_lists_as_no_checkpoints_meanwhile()
    {
        var containerName = "checkpoints-" + Guid.NewGuid().ToString("N")[..8];
        var stores = new BlobCheckpointStores(StorageHosting.CheckpointBlobs(azurite.ConnectionString), containerName, new CheckpointPolicy());
        var store = stores.For(Seed(), new RunFolder(Tiny.TempDir()));
        store.Write(1, [1, 2, 3]);
        Assert.Equal([1], store.Epochs());

        // deleted behind the store's back (or lost by a storage that crashed before saving it)
        StorageHosting.CheckpointBlobs(azurite.ConnectionString).GetBlobContainerClient(containerName).Delete();
        Assert.Empty(store.Epochs());
        store.Write(2, [4, 5]);
        Assert.Equal([2], store.Epochs());
        Assert.Equal([4, 5], store.Read(2));
        Assert.Contains("is gone", Assert.Throws<CheckpointStoreException>(() => store.Read(1)).Message);
    }

    [Fact]
    public void Credentials_never_reach_messages()
    {
        var redacted = Secrets.Redact(azurite.ConnectionString + " https://x.blob.core.windows.net/c?sv=2024&sig=abc%2Bdef&se=1");
        Assert.DoesNotContain(azurite.Key, redacted);
        Assert.DoesNotContain("abc%2Bdef", redacted);
        Assert.Contains("AccountKey=***", redacted);
        var described = Secrets.Describe(azurite.ConnectionString);
        Assert.DoesNotContain(azurite.Key, described);
        Assert.Contains("BlobEndpoint=http://127.0.0.1", described);
        var options = new StorageOptions { Kind = "azure", ConnectionString = azurite.ConnectionString };
        Assert.Empty(options.Validate());
        Assert.DoesNotContain(azurite.Key, options.Describe());
    }

    [Fact]
    public void Storage_settings_are_checked_with_every_problem_named()
    {
        var problems = new StorageOptions { Kind = "azure", GrainState = "folder", CheckpointContainer = "Bad_Name", KeepCheckpoints = 0 }.Validate();
        Assert.Contains(problems, p => p.Contains("GrainState must be table or blob"));
        Assert.Contains(problems, p => p.Contains("connection string") && p.Contains("SingleDarts__Storage__ConnectionString"));
        Assert.Contains(problems, p => p.Contains("CheckpointContainer 'Bad_Name'"));
        Assert.Contains(problems, p => p.Contains("KeepCheckpoints"));
        Assert.Contains("Kind must be local or azure", Assert.Single(new StorageOptions { Kind = "s3" }.Validate()));
    }

    private sealed class StopAfter(int epochs, CancellationTokenSource cts) : IRunObserver
    {
        public void EpochDone(EpochRecord record)
        {
            if (record.Epoch >= epochs) cts.Cancel();
        }
    }

    /// <summary>Stops Azurite when an epoch starts, and starts it again a few seconds later (on another thread).</summary>
    private sealed class Outage(Azurite azurite, int afterEpoch, double seconds) : IRunObserver
    {
        public bool Happened { get; private set; }

        public void EpochStarting(int epoch)
        {
            if (epoch != afterEpoch + 1 || Happened) return;
            Happened = true;
            azurite.Stop();
            Task.Delay(TimeSpan.FromSeconds(seconds)).ContinueWith(_ => azurite.Start(), TaskScheduler.Default);
        }
    }
}
