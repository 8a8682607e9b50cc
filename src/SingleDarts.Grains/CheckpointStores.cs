using SingleDarts.Abstractions;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Runs;

namespace SingleDarts.Grains;

/// <summary>Where a seed's checkpoints go: the run folder (local, the default) or a shared store every worker reaches (Azure Blob).</summary>
public interface ICheckpointStores
{
    ICheckpointStore For(SeedSpec seed, RunFolder folder);

    CheckpointPolicy Policy { get; }
}

/// <summary>Checkpoints in the seed's run folder: a seed survives its silo only if the next worker sees the same folder (one machine, a shared disk).</summary>
public sealed class LocalCheckpointStores(CheckpointPolicy? policy = null) : ICheckpointStores
{
    public CheckpointPolicy Policy { get; } = policy ?? new CheckpointPolicy();

    public ICheckpointStore For(SeedSpec seed, RunFolder folder) => folder.Checkpoints;
}
