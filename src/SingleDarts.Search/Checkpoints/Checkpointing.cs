namespace SingleDarts.Search.Checkpoints;

/// <summary>A run whose whole state at an epoch boundary can be written and read back (a search or an evaluation).</summary>
public interface ICheckpointed
{
    int EpochsDone { get; }

    /// <summary>The whole state after the last finished epoch — or, while <see cref="Interrupted"/> is set, at that point of the unfinished one.</summary>
    byte[] CheckpointBytes();

    /// <summary>Where the unfinished epoch stopped when the run was cancelled between two of its steps; null when it stopped at an epoch boundary.</summary>
    EpochProgress? Interrupted => null;

    /// <summary>Where a restored mid-epoch checkpoint left the unfinished epoch, until the run continues it; null otherwise.</summary>
    EpochProgress? ResumePoint => null;

    /// <summary>Continues from a checkpoint's bytes; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">the checkpoint is damaged.</exception>
    /// <exception cref="SearchConfigException">it belongs to a run with other options.</exception>
    void Restore(byte[] checkpoint, string name);
}

/// <summary>How long a run waits out a store that fails transiently, and how many checkpoints it keeps.</summary>
public sealed record CheckpointPolicy
{
    /// <summary>The newest checkpoints kept; older ones are deleted after each write (at least 1).</summary>
    public int Keep { get; init; } = 2;

    /// <summary>Transient failures are retried with doubling delays until this much time has passed; then the run fails cleanly.</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// A run's checkpoints in a store: written after every epoch (retrying a store that is briefly
/// away), pruned to the newest <see cref="CheckpointPolicy.Keep"/>, and on resume read newest
/// first — a checkpoint that fails its checksum is reported and the previous one used, so a torn
/// or damaged newest checkpoint costs one epoch, never the run.
/// </summary>
public sealed class Checkpointing(ICheckpointStore store, CheckpointPolicy? policy = null, Action<string>? warn = null)
{
    private readonly CheckpointPolicy policy = policy ?? new CheckpointPolicy();
    private readonly Action<string> warn = warn ?? (_ => { });

    public ICheckpointStore Store => store;

    public bool Any(CancellationToken cancel = default) => Retry("list checkpoints", store.Epochs, cancel).Count > 0;

    /// <summary>Writes the run's state after its last finished epoch; returns the bytes written.</summary>
    /// <exception cref="CheckpointStoreException">the store failed for good, or longer than <see cref="CheckpointPolicy.RetryFor"/>.</exception>
    public long Save(ICheckpointed run, CancellationToken cancel = default)
    {
        var epoch = run.EpochsDone;
        var bytes = run.CheckpointBytes();
        Retry($"write the checkpoint of epoch {epoch}", () =>
        {
            store.Write(epoch, bytes);
            return true;
        }, cancel);
        Prune(epoch);
        return bytes.Length;
    }

    /// <summary>
    /// Writes a run stopped mid-epoch (<see cref="ICheckpointed.Interrupted"/>) as the checkpoint of the unfinished epoch, beside the
    /// last finished epoch's (which stays: a damaged mid-epoch checkpoint costs that epoch, never the run). One attempt, no retries:
    /// it runs while the process is being stopped. Returns the bytes written, or null (nothing to write, or the store failed: warned).
    /// </summary>
    public long? SaveInterrupted(ICheckpointed run)
    {
        if (run.Interrupted is not { } progress) return null;
        try
        {
            var bytes = run.CheckpointBytes();
            store.Write(progress.Epoch, bytes);
            return bytes.Length;
        }
        catch (CheckpointStoreException ex)
        {
            warn($"could not write the mid-epoch checkpoint ({ex.Message}); epoch {progress.Epoch} runs again from its start");
            return null;
        }
    }

    /// <summary>Restores the newest checkpoint that is whole; returns its epoch.</summary>
    /// <exception cref="SearchConfigException">no checkpoint, none readable, or written with other options.</exception>
    public int Restore(ICheckpointed run, CancellationToken cancel = default) =>
        TryRestore(run, cancel) ?? throw new SearchConfigException($"--resume: no checkpoint in {store.Location}");

    /// <summary>
    /// Restores the newest checkpoint that is whole and returns its epoch; null when the store holds none — also
    /// when the checkpoints listed a moment ago are gone by the time they are read (deleted meanwhile): the caller
    /// starts from epoch 1, as with no checkpoint at all.
    /// </summary>
    /// <exception cref="SearchConfigException">checkpoints exist but none is readable, or they were written with other options.</exception>
    public int? TryRestore(ICheckpointed run, CancellationToken cancel = default)
    {
        var epochs = Retry("list checkpoints", store.Epochs, cancel);
        if (epochs.Count == 0) return null;
        var damaged = new List<string>();
        var vanished = 0;
        foreach (var epoch in epochs.Reverse())
        {
            byte[] bytes;
            try
            {
                bytes = Retry($"read the checkpoint of epoch {epoch}", () => store.Read(epoch), cancel);
            }
            catch (CheckpointStoreException ex) when (!ex.Transient && !store.Epochs().Contains(epoch))
            {
                vanished++;             // deleted since it was listed: not damage
                continue;
            }
            catch (CheckpointStoreException ex) when (!ex.Transient)
            {
                damaged.Add(ex.Message);
                warn($"{ex.Message}; trying the checkpoint before it");
                continue;
            }
            try
            {
                run.Restore(bytes, store.NameOf(epoch));
                if (damaged.Count > 0 || vanished > 0) warn($"resumed from {store.NameOf(epoch)} (epoch {epoch}) instead: the epochs after it run again");
                return epoch;
            }
            catch (InvalidDataException ex)
            {
                damaged.Add(ex.Message);
                warn($"{ex.Message}; trying the checkpoint before it");
            }
        }
        if (damaged.Count == 0) return null;     // every checkpoint vanished while being read
        throw new SearchConfigException($"no usable checkpoint in {store.Location}: {string.Join("; ", damaged)}");
    }

    private void Prune(int newest)
    {
        try
        {
            foreach (var old in store.Epochs().Where(e => e <= newest - Math.Max(1, policy.Keep)))
                store.Delete(old);
        }
        catch (CheckpointStoreException ex)
        {
            warn($"could not prune old checkpoints ({ex.Message}); they are pruned after the next epoch");
        }
    }

    private T Retry<T>(string what, Func<T> action, CancellationToken cancel)
    {
        var waited = TimeSpan.Zero;
        var delay = policy.FirstDelay;
        while (true)
        {
            try
            {
                return action();
            }
            catch (CheckpointStoreException ex) when (ex.Transient && waited < policy.RetryFor)
            {
                warn($"could not {what} ({ex.Message}); retrying in {delay.TotalSeconds:0.#} s");
                cancel.WaitHandle.WaitOne(delay);
                cancel.ThrowIfCancellationRequested();
                waited += delay;
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, policy.MaxDelay.Ticks));
            }
            catch (CheckpointStoreException ex) when (ex.Transient)
            {
                throw new CheckpointStoreException($"could not {what} for {waited.TotalSeconds:0} s, giving up: {ex.Message}", transient: false, ex);
            }
        }
    }
}
