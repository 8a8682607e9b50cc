using SingleDarts.Abstractions;

namespace SingleDarts.Grains;

[GenerateSerializer, Alias("SingleDarts.SweepRegistryState")]
public sealed class SweepRegistryState
{
    [Id(0)] public Dictionary<string, SweepSummary> Sweeps { get; set; } = [];
}

/// <summary>Every sweep of the cluster, newest first (what <c>sweep list</c> prints).</summary>
public sealed class SweepRegistryGrain(
    [PersistentState("registry", SweepStorage.Name)] IPersistentState<SweepRegistryState> state) : Grain, ISweepRegistryGrain
{
    public async Task Upsert(SweepSummary summary)
    {
        if (state.State.Sweeps.TryGetValue(summary.Id, out var known) && known == summary) return;
        state.State.Sweeps[summary.Id] = summary;
        await state.WriteStateAsync();
    }

    public Task<SweepSummary[]> List() =>
        Task.FromResult(state.State.Sweeps.Values.OrderByDescending(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal).ToArray());
}
