using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.IO;
using SingleDarts.Search.Runs;

namespace SingleDarts.Search.Tests;

/// <summary>
/// A full disk is not transient: the run stops at once, says what, where and how much, keeps its earlier checkpoints and
/// leaves no temporary file. The faults are real: /dev/full fails every write with ENOSPC, as a full file system does.
/// </summary>
[Trait("Category", "unit")]
public sealed class DiskFullTests
{
    private static bool HasDevFull => File.Exists("/dev/full");

    [SkippableFact]
    public void A_full_disk_fails_a_search_at_once_without_retrying_and_keeps_the_checkpoint_before_it()
    {
        Skip.IfNot(HasDevFull, "no /dev/full on this machine");
        var dir = Tiny.TempDir();
        var store = new FullFrom(new RunFolder(dir).Checkpoints, epoch: 2);
        var warnings = new List<string>();
        // a five-minute retry budget: a full disk must not spend any of it
        var ex = Assert.Throws<CheckpointStoreException>(() => SearchRunner.Run(Tiny.Options(epochs: 3), dir,
            checkpoints: new Checkpointing(store, new CheckpointPolicy { RetryFor = TimeSpan.FromMinutes(5) }, warnings.Add)));

        Assert.False(ex.Transient);
        Assert.IsType<DiskFullException>(ex.InnerException);
        Assert.Matches(@"^no space left on the device of .*/checkpoints: writing epoch-0002\.ckpt needs \d+(\.\d)? KiB, .* free$", ex.Message);
        Assert.DoesNotContain(warnings, w => w.Contains("retrying"));
        Assert.Equal([1], store.Inner.Epochs());
        Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
        Assert.Single(File.ReadAllLines(Path.Combine(dir, "epochs.jsonl")));
        // the checkpoint before the full disk is whole: the run continues from it
        Assert.Equal(3, SearchRunner.Run(Tiny.Options(epochs: 3), dir, resume: true).Epochs);
    }

    [SkippableFact]
    public void A_config_json_that_does_not_fit_leaves_no_temporary_file()
    {
        Skip.IfNot(HasDevFull, "no /dev/full on this machine");
        var folder = new RunFolder(Tiny.TempDir());
        File.CreateSymbolicLink(Path.Combine(folder.Path, $".config.json.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp"), "/dev/full");
        var ex = Assert.Throws<DiskFullException>(() =>
            folder.WriteConfig(Measurement.RunKinds.Search, Tiny.Options(), TorchSharp.torch.CPU, []));
        Assert.Contains("writing config.json needs", ex.Message);
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }

    [Fact]
    public void Transient_failures_are_retried_only_for_the_budget_the_policy_gives()
    {
        var down = new DownStore(new LocalCheckpointStore(Tiny.TempDir()));
        var warnings = new List<string>();
        var checkpoints = new Checkpointing(down, new CheckpointPolicy { RetryFor = TimeSpan.Zero }, warnings.Add);
        var ex = Assert.Throws<CheckpointStoreException>(() => checkpoints.Any());
        Assert.Contains("giving up", ex.Message);
        Assert.Empty(warnings);     // a budget of 0: no retry at all
        Assert.Equal(1, down.Calls);
    }

    /// <summary>A local store whose writes from <c>epoch</c> on hit a full device (its temporary file is a link to /dev/full).</summary>
    private sealed class FullFrom(LocalCheckpointStore inner, int epoch) : ICheckpointStore
    {
        public LocalCheckpointStore Inner => inner;
        public string Location => inner.Location;
        public IReadOnlyList<int> Epochs() => inner.Epochs();

        public void Write(int e, byte[] bytes)
        {
            if (e >= epoch)
                File.CreateSymbolicLink(Path.Combine(inner.Folder, $".epoch-{e:D4}.ckpt.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp"), "/dev/full");
            inner.Write(e, bytes);
        }

        public byte[] Read(int e) => inner.Read(e);
        public void Delete(int e) => inner.Delete(e);
        public string NameOf(int e) => inner.NameOf(e);
    }

    private sealed class DownStore(LocalCheckpointStore inner) : ICheckpointStore
    {
        public int Calls { get; private set; }
        public string Location => inner.Location;

        public IReadOnlyList<int> Epochs()
        {
            Calls++;
            throw new CheckpointStoreException("connection refused", transient: true);
        }

        public void Write(int epoch, byte[] bytes) => inner.Write(epoch, bytes);
        public byte[] Read(int epoch) => inner.Read(epoch);
        public void Delete(int epoch) => inner.Delete(epoch);
        public string NameOf(int epoch) => inner.NameOf(epoch);
    }
}
