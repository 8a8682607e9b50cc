using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using SingleDarts.Abstractions;
using SingleDarts.Search.Runs;
using SingleDarts.Grains.Telemetry;
using SingleDarts.Tests;

namespace SingleDarts.Grains.Tests;

/// <summary>The SingleDarts meter and activity source during a real sweep on the 3-silo cluster, read by in-memory exporters.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "integration")]
public sealed class TelemetryTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_sweep_emits_every_instrument_with_its_attributes_the_numbers_sweep_status_shows_and_nested_spans()
    {
        var metrics = new List<MetricSnapshot>();
        var spans = new List<Activity>();
        using var meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter(SingleDartsTelemetry.Name).AddInMemoryExporter(metrics).Build();
        using var tracerProvider = Sdk.CreateTracerProviderBuilder().AddSource(SingleDartsTelemetry.Name).AddInMemoryExporter(spans).Build();

        var id = Tiny.NewId("otel");
        // 32 steps an epoch: the step gauge is read live (not from the grain's last drain), sampled every 10 ms below
        var options = Tiny.Options(epochs: 2) with { Nb201 = TinySearch.Nb201Table(), TrainSize = 1024 };
        var spec = Tiny.Spec(["single", "darts-v1"], [0, 1]) with { SearchJson = SearchOptionsJson.ToJson(options) };
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);

        // while seeds run, the step gauge shows where they are inside the epoch
        var sawStep = false;
        SweepStatus status;
        var until = DateTime.UtcNow + Limit;
        while ((status = (await fixture.Client.GetGrain<ISweepGrain>(id).GetStatus())!).State == SweepState.Running && DateTime.UtcNow < until)
        {
            SeedFailures.ThrowIfAny(status, $"the end of sweep {id}");
            for (var i = 0; i < 10 && !sawStep; i++)
            {
                metrics.Clear();
                meterProvider.ForceFlush();
                sawStep |= Points(metrics, "singledarts.seed.step", id).Any(p => p.GetGaugeLastValueDouble() > 0);
                await Task.Delay(10);
            }
            if (sawStep) await Task.Delay(100);
        }
        Assert.Equal(SweepState.Completed, status.State);
        Assert.True(sawStep, "no singledarts.seed.step point while the seeds ran");

        metrics.Clear();
        meterProvider.ForceFlush();

        // every instrument but the running-only step gauge (and the evaluation stage's, below) has points for this sweep, tagged with sweep.id, method and seed
        foreach (var (name, unit, _) in SingleDartsMetrics.Instruments.Where(i => i.Name is not ("singledarts.seed.step" or "singledarts.test.accuracy" or "singledarts.collapse.alarms")))
        {
            var metric = Assert.Single(metrics, m => m.Name == name);
            Assert.Equal(unit, metric.Unit);
            var points = Points(metrics, name, id);
            Assert.True(points.Count > 0, $"{name} has no point for sweep {id}");
            var keys = name switch
            {
                "singledarts.seeds" => new[] { "sweep.id", "method", "state" },
                "singledarts.sweep.state.write.size" => ["sweep.id"],
                _ => ["sweep.id", "method", "seed"],
            };
            Assert.All(points, p => Assert.All(keys, k => Assert.Contains(k, Tags(p).Keys)));
        }

        // the gauges show the numbers sweep status shows, exactly (one source: the seed grains' status)
        foreach (var seed in status.Seeds)
        {
            var last = seed.Last!;
            Assert.Equal(seed.EpochsDone, Gauge(metrics, "singledarts.seed.epoch", seed));
            Assert.Equal(last.TrainLoss, Gauge(metrics, "singledarts.train.loss", seed));
            Assert.Equal(last.TrainAcc, Gauge(metrics, "singledarts.train.accuracy", seed));
            Assert.Equal(last.ValidAcc, Gauge(metrics, "singledarts.valid.accuracy", seed));
            Assert.Equal(last.ImagesPerSecond, Gauge(metrics, "singledarts.train.throughput", seed));
            // every declared metric has its gauge, named after its key, and shows the seed's last value
            Assert.NotEmpty(status.Metrics);
            Assert.Contains(status.Metrics, m => m.Key == "nb201.test_acc");
            foreach (var declared in status.Metrics.Where(m => last.Metrics.ContainsKey(m.Key)))
            {
                Assert.Equal(SingleDartsMetrics.MetricUnit(declared.Unit), Assert.Single(metrics, m => m.Name == "singledarts." + declared.Key).Unit);
                Assert.Equal(last.Metric(declared.Key), Gauge(metrics, "singledarts." + declared.Key, seed));
            }
            Assert.True(last.Metrics.Count >= 6, string.Join(", ", last.Metrics.Keys));       // cell counts, entropy, NB201 accuracy, rank and two transfers
            Assert.Equal(Recomputed.ParamFree(last.Arch), Gauge(metrics, "singledarts.cell.param_free", seed));
            Assert.InRange(last.Metrics["alpha.entropy"], 0.0, Math.Log(5) + 1e-9);

            // op shares: per op, summing to one, and the chosen ops are the arch's
            var shares = Points(metrics, "singledarts.cell.op_share", id).Where(p => Is(p, seed))
                .ToDictionary(p => (string)Tags(p)["op"]!, p => p.GetGaugeLastValueDouble());
            Assert.Equal(5, shares.Count);
            Assert.Equal(1.0, shares.Values.Sum(), 9);
            foreach (var (op, share) in shares)
                Assert.Equal(last.Arch.Split('|').Count(t => t.StartsWith(op + "~", StringComparison.Ordinal)) / 6.0, share, 12);

            // one step-duration point per step, one image count per image, one checkpoint per epoch
            var steps = Histogram(metrics, "singledarts.step.duration", seed);
            Assert.Equal(seed.EpochsDone * 512 / 16, steps);        // 512 searched images (half of 1,024) in batches of 16
            Assert.Equal(seed.EpochsDone * 512, Sum(metrics, "singledarts.train.images", seed));
            Assert.Equal(seed.EpochsDone, Histogram(metrics, "singledarts.checkpoint.write.duration", seed));
            Assert.True(Sum(metrics, "singledarts.checkpoint.write.size", seed) >= new FileInfo(Path.Combine(seed.RunFolder!, "checkpoints", $"epoch-{seed.EpochsDone:D4}.ckpt")).Length);
        }

        // seeds by state: the coordinator's counts, per method, for every state
        foreach (var method in status.Methods)
        {
            var byState = Points(metrics, "singledarts.seeds", id).Where(p => (string?)Tags(p)["method"] == method.Method)
                .ToDictionary(p => (string)Tags(p)["state"]!, p => p.GetGaugeLastValueDouble());
            Assert.Equal(new[] { "cancelled", "completed", "failed", "queued", "running" }, byState.Keys.Order());
            Assert.Equal(method.Completed, byState["completed"]);
            Assert.Equal(0, byState["running"] + byState["queued"] + byState["failed"]);
        }

        // traces: sweep -> seed -> epoch -> checkpoint, one trace, across the grain calls between silos
        var mine = spans.Where(s => s.TraceId == spans.Single(x => x.DisplayName == "sweep" && (string?)x.GetTagItem("sweep.id") == id).TraceId).ToList();
        var sweep = Assert.Single(mine, s => s.DisplayName == "sweep");
        var seeds = mine.Where(s => s.DisplayName == "seed").ToList();
        Assert.Equal(4, seeds.Count);
        Assert.All(seeds, s => Assert.Equal(sweep.SpanId, s.ParentSpanId));
        Assert.Equal(status.Seeds.Select(s => $"{s.Method}/{s.Seed}").Order(), seeds.Select(s => $"{s.GetTagItem("method")}/{s.GetTagItem("seed")}").Order());
        foreach (var seed in seeds)
        {
            var epochs = mine.Where(s => s.DisplayName == "epoch" && s.ParentSpanId == seed.SpanId).ToList();
            Assert.Equal(new[] { 1, 2 }, epochs.Select(e => (int)e.GetTagItem("epoch")!).Order());
            Assert.All(epochs, e => Assert.Single(mine, c => c.DisplayName == "checkpoint" && c.ParentSpanId == e.SpanId));
            Assert.Equal("completed", seed.GetTagItem("seed.state"));
        }
        Assert.Equal("completed", sweep.GetTagItem("sweep.state"));
    }

    [Fact]
    public async Task The_evaluation_stage_reports_test_accuracy_tagged_stage_evaluate_and_its_own_spans()
    {
        var metrics = new List<MetricSnapshot>();
        var spans = new List<Activity>();
        using var meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter(SingleDartsTelemetry.Name).AddInMemoryExporter(metrics).Build();
        using var tracerProvider = Sdk.CreateTracerProviderBuilder().AddSource(SingleDartsTelemetry.Name).AddInMemoryExporter(spans).Build();
        var id = Tiny.NewId("otel-eval");
        var spec = Tiny.Spec(["single"], [0, 1]) with { EvaluateJson = """{"epochs": 2, "channels": 2, "cells": 1, "batch_size": 16}""" };
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, Limit);
        metrics.Clear();
        meterProvider.ForceFlush();

        var points = Points(metrics, "singledarts.test.accuracy", id);
        Assert.Equal(2, points.Count);
        foreach (var evaluation in status.Seeds.Where(s => s.IsEvaluation))
        {
            var point = Assert.Single(points, p => Is(p, evaluation));
            Assert.Equal("evaluate", Tags(point)["stage"]);
            Assert.Equal(evaluation.Last!.TestAcc, point.GetGaugeLastValueDouble());
            // the search's series keep their tags; the evaluation's train loss is told apart by its stage
            var losses = Points(metrics, "singledarts.train.loss", id).Where(p => Is(p, evaluation)).ToList();
            Assert.Equal(2, losses.Count);
            Assert.Single(losses, p => !Tags(p).ContainsKey("stage"));
        }
        var byStage = Points(metrics, "singledarts.seeds", id).Where(p => (string?)Tags(p)["state"] == "completed")
            .ToDictionary(p => Tags(p).TryGetValue("stage", out var stage) ? (string)stage! : "search", p => p.GetGaugeLastValueDouble());
        Assert.Equal(2, byStage["search"]);
        Assert.Equal(2, byStage["evaluate"]);

        var mine = spans.Where(s => (string?)s.GetTagItem("sweep.id") == id).ToList();
        var evaluations = mine.Where(s => s.DisplayName == "evaluation").ToList();
        Assert.Equal(2, evaluations.Count);
        Assert.All(evaluations, e => Assert.Equal("completed", e.GetTagItem("seed.state")));
        Assert.All(evaluations, e => Assert.Equal(2, spans.Count(c => c.DisplayName == "epoch" && c.ParentSpanId == e.SpanId)));
    }

    [Fact]
    public async Task A_collapse_alarm_counts_once_per_seed_with_its_tags_and_is_an_event_on_the_epoch_span()
    {
        var metrics = new List<MetricSnapshot>();
        var spans = new List<Activity>();
        using var meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter(SingleDartsTelemetry.Name).AddInMemoryExporter(metrics).Build();
        using var tracerProvider = Sdk.CreateTracerProviderBuilder().AddSource(SingleDartsTelemetry.Name).AddInMemoryExporter(spans).Build();
        var id = Tiny.NewId("otel-alarm");
        var spec = Tiny.Spec(["single", "darts-v1"], [0, 1], epochs: 3) with { CollapseRule = "param_free", AlarmThreshold = 1, AlarmEpochs = 1 };
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, Limit);
        metrics.Clear();
        meterProvider.ForceFlush();

        var alarmed = status.Seeds.Where(s => s.AlarmEpoch is not null).ToList();
        Assert.NotEmpty(alarmed);
        var points = Points(metrics, "singledarts.collapse.alarms", id);
        Assert.Equal(alarmed.Count, (int)points.Sum(p => p.GetSumLong()));
        foreach (var seed in alarmed)
        {
            Assert.Equal(1, Assert.Single(points, p => Is(p, seed)).GetSumLong());
            var epoch = Assert.Single(spans, s => s.DisplayName == "epoch" && (string?)s.GetTagItem("sweep.id") == id
                && (string?)s.GetTagItem("method") == seed.Method && Equals(s.GetTagItem("seed"), seed.Seed) && Equals(s.GetTagItem("epoch"), seed.AlarmEpoch));
            Assert.Contains(epoch.Events, e => e.Name == "collapse.alarm");
        }
    }

    [Fact]
    public async Task A_darts_space_seed_labels_its_op_shares_with_the_spaces_eight_operations()
    {
        var metrics = new List<MetricSnapshot>();
        using var meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter(SingleDartsTelemetry.Name).AddInMemoryExporter(metrics).Build();
        var id = Tiny.NewId("otel-darts");
        var options = Tiny.Options(epochs: 1) with { Space = "darts", Channels = 2, Cells = 3, TrainSize = 32 };
        var spec = Tiny.Spec(["single"], [0]) with { SearchJson = SearchOptionsJson.ToJson(options) };
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, Limit);
        var seed = Assert.Single(status.Seeds);
        Assert.True(seed.State == SeedState.Completed, $"{seed.State}: {seed.Reason}");

        meterProvider.ForceFlush();
        var shares = Points(metrics, "singledarts.cell.op_share", id).ToDictionary(p => (string)Tags(p)["op"]!, p => p.GetGaugeLastValueDouble());
        Assert.Equal(Search.Spaces.Darts.DartsPrimitives.Names.Order(), shares.Keys.Order());
        Assert.Equal(1.0, shares.Values.Sum(), 9);
        Assert.Equal(0.0, shares["none"]);
        var skips = Recomputed.DartsGenes(seed.Last!.Arch)[..8].Count(g => g.Op == "skip_connect");
        Assert.Equal(skips / 8.0, shares["skip_connect"], 12);
        Assert.Equal(skips, Gauge(metrics, "singledarts.cell.skip_connect", seed));
    }

    private static List<MetricPoint> Points(List<MetricSnapshot> metrics, string name, string sweepId) =>
        [.. metrics.Where(m => m.Name == name).SelectMany(m => m.MetricPoints).Where(p => (string?)Tags(p)["sweep.id"] == sweepId)];

    private static Dictionary<string, object?> Tags(MetricPoint p)
    {
        var tags = new Dictionary<string, object?>();
        foreach (var t in p.Tags) tags[t.Key] = t.Value;
        return tags;
    }

    private static bool Is(MetricPoint p, SeedStatus seed)
    {
        var tags = Tags(p);
        return (string?)tags["method"] == seed.Method && Equals(tags["seed"], seed.Seed);
    }

    private static MetricPoint Point(List<MetricSnapshot> metrics, string name, SeedStatus seed) =>
        Assert.Single(Points(metrics, name, seed.SweepId), p => Is(p, seed));

    private static double Gauge(List<MetricSnapshot> metrics, string name, SeedStatus seed) => Point(metrics, name, seed).GetGaugeLastValueDouble();

    private static long Sum(List<MetricSnapshot> metrics, string name, SeedStatus seed) => Point(metrics, name, seed).GetSumLong();

    private static long Histogram(List<MetricSnapshot> metrics, string name, SeedStatus seed) => Point(metrics, name, seed).GetHistogramCount();
}
