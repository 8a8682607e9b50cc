using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Runs;

namespace SingleDarts.Search.Tests;

/// <summary>
/// Checkpoints deleted between the moment they are listed and the moment they are read (issue 26.4: a
/// failover test deleted a seed's blobs after the seed had listed them) lead to the same outcome as no
/// checkpoints at all: the run starts again from epoch 1, and the caller is told so.
/// </summary>
[Trait("Category", "unit")]
public sealed class CheckpointRaceTests
{
    /// <summary>A store whose checkpoints vanish right after the first listing, as if another process deleted them.</summary>
    private sealed class VanishingStore(LocalCheckpointStore inner) : ICheckpointStore
    {
        private int listings;
        public string Location => inner.Location;
        public IReadOnlyList<int> Epochs()
        {
            var epochs = inner.Epochs();
            if (Interlocked.Increment(ref listings) == 1)
                foreach (var e in epochs) inner.Delete(e);     // listed, then gone before the first read
            return epochs;
        }
        public void Write(int epoch, byte[] bytes) => inner.Write(epoch, bytes);
        public byte[] Read(int epoch) => inner.Read(epoch);
        public void Delete(int epoch) => inner.Delete(epoch);
        public string NameOf(int epoch) => inner.NameOf(epoch);
    }

    private sealed class Warnings : IRunObserver
    {
        public List<string> Messages { get; } = [];
        public void Warning(string message) => Messages.Add(message);
    }

    [Fact]
    public void Checkpoints_that_vanish_between_the_listing_and_the_read_are_no_checkpoints()
    {
        var options = Tiny.Options(seed: 14, epochs: 2);
        var dir = Tiny.TempDir();
        SearchRunner.Run(options, dir);
        var folder = new RunFolder(dir);
        Assert.NotEmpty(folder.Checkpoints.Epochs());

        var checkpoints = new Checkpointing(new VanishingStore(new LocalCheckpointStore(folder.Checkpoints.Folder)));
        using var run = new SearchRun(options);
        Assert.Null(checkpoints.TryRestore(run));
        Assert.Equal(0, run.EpochsDone);
    }

    [Fact]
    public void A_seed_resuming_where_its_checkpoints_vanish_starts_again_from_epoch_1_and_ends_as_a_fresh_run()
    {
        var options = Tiny.Options("darts-v1", seed: 14, epochs: 2);
        var fresh = SearchRunner.Run(options, Tiny.TempDir());
        var dir = Tiny.TempDir();
        SearchRunner.Run(options, dir);
        var folder = new RunFolder(dir);

        // what a seed grain does on a new silo: resume if there is anything to resume from
        var checkpoints = new Checkpointing(new VanishingStore(new LocalCheckpointStore(folder.Checkpoints.Folder)));
        using var run = new SearchRun(options);
        var warnings = new Warnings();
        var resumed = RunDriver.Run(run, folder, ResumeMode.ResumeIfAny, warnings, checkpoints: checkpoints);

        Assert.False(resumed);
        Assert.Equal(2, run.EpochsDone);
        var result = run.Result();
        Assert.Equal(fresh.Arch, result.Arch);
        Assert.Equal(fresh.Alphas.SelectMany(r => r), result.Alphas.SelectMany(r => r));
    }
}
