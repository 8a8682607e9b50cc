using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SingleDarts.Abstractions;
using SingleDarts.Grains.Telemetry;

namespace SingleDarts.Grains.Tests;

/// <summary>The SingleDarts counters as a scraper sees them from a seed's start (a MeterListener on the 3-silo cluster).</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "integration")]
public sealed class TelemetryCounterTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Every_counter_of_every_stage_of_a_seed_starts_at_zero_so_that_an_alarm_raised_once_is_an_increase()
    {
        var id = Tiny.NewId("otel-zero");
        var counters = new ConcurrentDictionary<string, bool>();
        var first = new ConcurrentDictionary<(string Counter, string Method, string Seed, string Stage), long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name != SingleDartsTelemetry.Name || instrument is not Counter<long>) return;
                counters[instrument.Name] = true;
                l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var t = new Dictionary<string, object?>();
            foreach (var tag in tags) t[tag.Key] = tag.Value;
            if (t.GetValueOrDefault(SingleDartsMetrics.SweepIdTag) as string != id) return;
            first.TryAdd((instrument.Name, (string)t[SingleDartsMetrics.MethodTag]!, $"{t[SingleDartsMetrics.SeedTag]}",
                t.GetValueOrDefault(SingleDartsMetrics.StageTag) as string ?? SeedStages.Search), value);
        });
        listener.Start();

        var spec = Tiny.Spec(["single"], [0], epochs: 1) with
        {
            CollapseRule = "param_free", AlarmThreshold = 1, AlarmEpochs = 1,
            EvaluateJson = """{"epochs": 1, "channels": 2, "cells": 1, "batch_size": 16}""",
        };
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, TimeSpan.FromMinutes(5));
        Assert.Equal(SweepState.Completed, status.State);

        Assert.Equal(["singledarts.checkpoint.write.size", "singledarts.collapse.alarms", "singledarts.train.images"], counters.Keys.Order());
        Assert.Equal([SeedStages.Evaluate, SeedStages.Search], status.Seeds.Select(s => s.Stage).Order());
        foreach (var seed in status.Seeds)
            foreach (var counter in counters.Keys)
                Assert.True(first.TryGetValue((counter, seed.Method, $"{seed.Seed}", seed.Stage), out var value) && value == 0,
                    $"{counter} of {seed.Method} seed {seed.Seed} ({seed.Stage}) first reported {(first.ContainsKey((counter, seed.Method, $"{seed.Seed}", seed.Stage)) ? value : "nothing")}");
        // the alarm raised after epoch 1 (≥ 1 parameter-free edge of 6) is a rise from that 0
        Assert.NotNull(status.Seeds.Single(s => s.Stage == SeedStages.Search).AlarmEpoch);
    }
}
