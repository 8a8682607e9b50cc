using SingleDarts.Abstractions;
using SingleDarts.Cli.Sweeps;
using SingleDarts.Reports;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// A sweep on synthetic data knows it from its spec, and says so where its figures are read: the coordinator's status, the
/// collapse alarm's message, every export row, the whole export and so the offline report.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "integration")]
public sealed class SyntheticDataTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_synthetic_sweep_carries_the_fact_from_its_spec_to_status_alarms_exports_and_the_offline_report()
    {
        var id = Tiny.NewId("synthetic");
        var spec = Tiny.Spec(["single"], [0], epochs: 2) with { CollapseRule = "param_free", AlarmThreshold = 1, AlarmEpochs = 1 };
        var grain = fixture.Client.GetGrain<ISweepGrain>(id);
        Assert.Empty((await grain.Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, TimeSpan.FromMinutes(5));
        Assert.True(status.SyntheticData);
        Assert.Equal("synthetic", status.Data);

        // the alarm still fires (its mechanics are what the first run shows) and says what it is worth
        var seed = Assert.Single(status.Seeds);
        Assert.NotNull(seed.AlarmEpoch);
        Assert.EndsWith($"({SyntheticData.NotMeaningful})", seed.Alarm);
        Assert.Contains(seed.Warnings, w => w.EndsWith($"({SyntheticData.NotMeaningful})", StringComparison.Ordinal));
        Assert.Contains(SyntheticData.NotMeaningful, SweepViews.Line(seed, status.Metrics));

        var csv = Path.Combine(Tiny.TempDir(), "synthetic.csv");
        await SweepExport.Write(csv, "csv", status, grain, CancellationToken.None);
        var lines = File.ReadAllLines(csv);
        var header = lines[0].Split(',');
        var (data, synthetic) = (Array.IndexOf(header, "data"), Array.IndexOf(header, "synthetic_data"));
        Assert.Equal(2, lines.Length - 1);
        Assert.All(lines.Skip(1).Select(l => l.Split(',')), r => Assert.Equal(("synthetic", "true"), (r[data], r[synthetic])));

        var full = Path.Combine(Tiny.TempDir(), "synthetic.json");
        await SweepExport.Write(full, "full", status, grain, CancellationToken.None);
        var input = ReportInput.FromExport(full, 1 << 24, 64);
        Assert.True(input.Sweep.SyntheticData);
        var html = File.ReadAllText(StabilityReport.Write(input, Tiny.TempDir()));
        Assert.Contains("<p class=\"warning\">Synthetic data: these figures show the mechanics", html);
    }
}
