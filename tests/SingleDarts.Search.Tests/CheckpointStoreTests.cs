using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Runs;

namespace SingleDarts.Search.Tests;

[Trait("Category", "unit")]
public sealed class CheckpointStoreTests
{
    private sealed class Warnings : IRunObserver
    {
        public List<string> Messages { get; } = [];
        public void Warning(string message) => Messages.Add(message);
    }

    [Fact]
    public void Only_the_newest_two_checkpoints_are_kept()
    {
        var dir = Tiny.TempDir();
        SearchRunner.Run(Tiny.Options(epochs: 4), dir);
        Assert.Equal([3, 4], new RunFolder(dir).Checkpoints.Epochs());
        Assert.Empty(Directory.GetFiles(Path.Combine(dir, "checkpoints"), "*.tmp", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("flip")]        // a bit flipped on disk
    [InlineData("truncate")]    // a torn write (a copy cut short)
    [InlineData("garbage")]     // not a checkpoint at all
    public void A_damaged_newest_checkpoint_falls_back_to_the_previous_one_with_a_warning_and_ends_bit_identical(string damage)
    {
        var options = Tiny.Options("darts-v1", seed: 5, epochs: 3);
        var straight = SearchRunner.Run(options, Tiny.TempDir());

        var dir = Tiny.TempDir();
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => SearchRunner.Run(options, dir, observer: new StopAfter(2, cts), cancel: cts.Token));
        var newest = Path.Combine(dir, "checkpoints", "epoch-0002.ckpt");
        var bytes = File.ReadAllBytes(newest);
        File.WriteAllBytes(newest, damage switch
        {
            "flip" => Flip(bytes),
            "truncate" => bytes[..(bytes.Length / 2)],
            _ => "not a checkpoint"u8.ToArray(),
        });
        // a temporary left by a crash mid-write is never taken for a checkpoint
        File.WriteAllBytes(Path.Combine(dir, "checkpoints", ".epoch-0003.ckpt.1.1.tmp"), bytes[..100]);

        var warnings = new Warnings();
        var resumed = SearchRunner.Run(options, dir, resume: true, observer: warnings);

        Assert.Contains(warnings.Messages, m => m.Contains("epoch-0002.ckpt") && m.Contains("trying the checkpoint before it"));
        Assert.Contains(warnings.Messages, m => m.Contains("resumed from") && m.Contains("epoch 1"));
        Assert.Equal(straight.Arch, resumed.Arch);
        Assert.Equal(straight.Alphas.SelectMany(r => r), resumed.Alphas.SelectMany(r => r));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(dir, "epochs.jsonl")).Length);
    }

    [Fact]
    public void A_store_that_fails_for_a_while_is_retried_and_one_that_stays_down_fails_the_run_cleanly_keeping_earlier_checkpoints()
    {
        var options = Tiny.Options(epochs: 3);
        var fast = new CheckpointPolicy { RetryFor = TimeSpan.FromSeconds(1), FirstDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(200) };

        var flaky = new FlakyStore(new LocalCheckpointStore(Tiny.TempDir())) { FailWrites = 3 };
        var warnings = new Warnings();
        var dir = Tiny.TempDir();
        var result = SearchRunner.Run(options, dir, observer: warnings, checkpoints: new Checkpointing(flaky, fast, warnings.Warning));
        Assert.Equal(3, result.Epochs);
        Assert.Equal(3, warnings.Messages.Count(m => m.Contains("retrying in")));

        var down = new FlakyStore(new LocalCheckpointStore(Tiny.TempDir())) { FailWritesFrom = 2 };
        var ex = Assert.Throws<CheckpointStoreException>(() => SearchRunner.Run(options, Tiny.TempDir(), checkpoints: new Checkpointing(down, fast)));
        Assert.Contains("giving up", ex.Message);
        Assert.Contains("epoch 2", ex.Message);
        Assert.Equal([1], down.Inner.Epochs());      // the checkpoint before the outage is intact
    }

    [Fact]
    public void A_full_disk_is_a_clear_store_error_and_leaves_nothing_half_written()
    {
        // /dev/full fails every write with ENOSPC, as a full disk does
        if (!File.Exists("/dev/full")) return;
        var folder = Tiny.TempDir();
        var store = new LocalCheckpointStore(folder);
        var ex = Assert.Throws<CheckpointStoreException>(() => WriteThrough("/dev/full", store));
        Assert.False(ex.Transient);     // waiting frees no space: the run stops at once
        Assert.Contains("no space left on the device of", ex.Message);
        Assert.Empty(Directory.GetFiles(folder));
    }

    /// <summary>Writes through a store whose temporary file is a link to <paramref name="device"/>.</summary>
    private static void WriteThrough(string device, LocalCheckpointStore store)
    {
        var tmp = Path.Combine(store.Folder, $".epoch-0001.ckpt.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp");
        File.CreateSymbolicLink(tmp, device);
        store.Write(1, new byte[1 << 16]);
    }

    private static byte[] Flip(byte[] bytes)
    {
        var copy = bytes.ToArray();
        copy[^10] ^= 0xFF;
        return copy;
    }

    private sealed class StopAfter(int epochs, CancellationTokenSource cts) : IRunObserver
    {
        public void EpochDone(EpochRecord record)
        {
            if (record.Epoch >= epochs) cts.Cancel();
        }
    }

    /// <summary>A store whose writes fail like an unreachable service.</summary>
    private sealed class FlakyStore(LocalCheckpointStore inner) : ICheckpointStore
    {
        public LocalCheckpointStore Inner => inner;
        public int FailWrites { get; set; }
        public int FailWritesFrom { get; set; } = int.MaxValue;
        public string Location => inner.Location;
        public IReadOnlyList<int> Epochs() => inner.Epochs();

        public void Write(int epoch, byte[] bytes)
        {
            if (FailWrites-- > 0 || epoch >= FailWritesFrom) throw new CheckpointStoreException("connection refused", transient: true);
            inner.Write(epoch, bytes);
        }

        public byte[] Read(int epoch) => inner.Read(epoch);
        public void Delete(int epoch) => inner.Delete(epoch);
        public string NameOf(int epoch) => inner.NameOf(epoch);
    }
}
