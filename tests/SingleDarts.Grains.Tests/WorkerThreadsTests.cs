using System.Text.Json.Nodes;
using SingleDarts.Abstractions;
using SingleDarts.Search.Options;

namespace SingleDarts.Grains.Tests;

/// <summary>A spec that leaves threads out: each worker gives its seeds its cores shared among its slots.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "integration")]
public sealed class WorkerThreadsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_seed_without_threads_in_its_spec_runs_with_its_workers_share_of_the_cores()
    {
        var id = Tiny.NewId("threads");
        var spec = Tiny.Spec(["single"], [3], epochs: 1);
        spec = spec with { SearchJson = ThreadCount.Unset(spec.SearchJson) };
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, TimeSpan.FromMinutes(5));
        var seed = Assert.Single(status.Seeds);
        Assert.True(seed.State == SeedState.Completed, System.Text.Json.JsonSerializer.Serialize(status));

        var expected = ThreadCount.PerSlot(slots: 1);        // the fixture's workers have one slot each
        Assert.Contains($"; {expected} thread(s) on cpu;", seed.Environment);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(seed.RunFolder!, "config.json")))!;
        Assert.Equal(expected, config["options"]!["threads"]!.GetValue<int>());
    }
}
