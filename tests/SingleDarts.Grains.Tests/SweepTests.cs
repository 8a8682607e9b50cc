using SingleDarts.Abstractions;
using SingleDarts.Grains;
using SingleDarts.Search;
using SingleDarts.Search.Runs;

namespace SingleDarts.Grains.Tests;

[Collection(ClusterCollection.Name)]
[Trait("Category", "integration")]
public sealed class SweepTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Seeds_run_only_on_workers_spread_over_them_and_never_beyond_their_slots()
    {
        var id = Tiny.NewId("placement");
        var start = await fixture.Client.GetGrain<ISweepGrain>(id).Start(Tiny.Spec(["single", "darts-v1"], [0, 1, 2]));
        Assert.Empty(start.Problems);
        // 6 seeds, 2 workers with one slot each: at most 2 can be placed at first; the rest wait.
        Assert.True(start.Status!.Seeds.Count(s => s.State == SeedState.Queued) >= 4);

        var status = await fixture.WaitForEnd(id, Limit);

        Assert.Equal(SweepState.Completed, status.State);
        Assert.All(status.Seeds, s => Assert.Equal(SeedState.Completed, s.State));
        var (workers, others) = fixture.Endpoints();
        Assert.All(status.Seeds, s => Assert.Contains(s.Silo!, workers));
        Assert.Equal(workers, status.Seeds.Select(s => s.Silo!).ToHashSet());   // both workers were used
        foreach (var silo in fixture.Cluster.Silos)
        {
            var slots = fixture.SlotsOf(silo);
            Assert.True(slots.Peak <= slots.Capacity, $"{silo.Name} ran {slots.Peak} seeds at once with {slots.Capacity} slot(s)");
            if (others.Contains(silo.SiloAddress.Endpoint.ToString())) Assert.Equal(0, slots.Peak);
        }
    }

    [Fact]
    public async Task A_seed_run_through_the_grains_is_bit_identical_to_a_direct_search()
    {
        var id = Tiny.NewId("bits");
        var spec = Tiny.Spec(["darts-v1"], [7], epochs: 3);
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, Limit);
        var seed = Assert.Single(status.Seeds);
        Assert.True(seed.State == SeedState.Completed, System.Text.Json.JsonSerializer.Serialize(status));

        var direct = SearchRunner.Run(SweepValidation.OptionsFor(spec, "darts-v1", 7), Path.Combine(Tiny.TempDir(), "direct"));

        var detail = (await fixture.Client.GetGrain<ISweepGrain>(id).GetSeed("darts-v1", 7))!;
        Assert.Equal(direct.Arch, seed.Last!.Arch);
        Assert.Equal(Bits(direct.Alphas), Bits(seed.Last.Alphas));
        Assert.Equal(direct.ValidAcc, seed.Last.ValidAcc);
        Assert.Equal(3, detail.History.Length);
        // the worker's run folder holds the same result as `singledarts search` writes
        var result = System.Text.Json.JsonSerializer.Deserialize<SearchResult>(
            File.ReadAllText(Path.Combine(seed.RunFolder!, "result.json")), Json.Options)!;
        Assert.Equal(Bits(direct.Alphas), Bits(result.Alphas));
    }

    [Fact]
    public async Task Aggregates_equal_a_recomputation_from_the_per_seed_results()
    {
        var id = Tiny.NewId("aggregate");
        var spec = Tiny.Spec(["single", "darts-v1"], [0, 1, 2], collapseThreshold: 3);
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, Limit);
        Assert.Equal(SweepState.Completed, status.State);

        foreach (var method in spec.Methods)
        {
            var agg = status.Methods.Single(m => m.Method == method);
            var seeds = await Task.WhenAll(spec.Seeds.Select(s => fixture.Client.GetGrain<ISweepGrain>(id).GetSeed(method, s)));
            var finals = seeds.Select(s => s!.History.Last()).ToList();
            Assert.Equal(3, agg.Completed);
            Recomputed.AssertStat(finals.Select(f => f.ValidAcc!.Value).ToList(), agg.ValidAcc);
            Assert.Equal(finals.Count(f => Recomputed.ParamFree(f.Arch) >= 3) / 3.0, agg.CollapseRate);
            var (modal, share) = Recomputed.Modal(finals.Select(f => f.Arch).ToList());
            Assert.Equal(modal, agg.ModalArch);
            Assert.Equal(share, agg.ModalShare);
            Assert.Equal(Recomputed.MeanPairwiseHamming(finals.Select(f => f.Arch).ToList()), agg.MeanPairwiseHamming!.Value, 1e-12);
            Assert.Equal(2, agg.Curve.Length);
            foreach (var point in agg.Curve)
            {
                var at = seeds.Select(s => s!.History.Single(h => h.Epoch == point.Epoch)).ToList();
                Recomputed.AssertStat(at.Select(h => h.ValidAcc!.Value).ToList(), point.ValidAcc);
                Recomputed.AssertStat(at.Select(h => (double)Recomputed.ParamFree(h.Arch)).ToList(), point.Metrics[CellMetrics.ParamFree]);
            }
            // the coordinator's copy of each seed equals the seed grain's own
            Assert.Equal(finals.Select(f => f.Arch), status.Seeds.Where(s => s.Method == method).OrderBy(s => s.Seed).Select(s => s.Last!.Arch));
        }
    }

    [Fact]
    public async Task A_darts_space_sweep_completes_with_both_alpha_groups_its_collapse_counts_and_bit_identical_seeds()
    {
        var id = Tiny.NewId("darts-space");
        var options = Tiny.Options(epochs: 2) with { Space = "darts", Channels = 4, TrainSize = 64 };
        var json = System.Text.Json.Nodes.JsonNode.Parse(SearchOptionsJson.ToJson(options))!.AsObject();
        json.Remove("cells");       // the space's default, L = 8, is too big here: checked below, then set
        Assert.Equal(8, SweepValidation.SharedOptions(new SweepSpec { Methods = ["single"], Seeds = [0], SearchJson = json.ToJsonString() }).Cells);
        json["cells"] = 3;
        var spec = new SweepSpec { Name = "darts", Methods = ["single", "darts-v1"], Seeds = [0, 1], SearchJson = json.ToJsonString() };
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, Limit);
        Assert.Equal(SweepState.Completed, status.State);

        foreach (var method in spec.Methods)
        {
            var agg = status.Methods.Single(m => m.Method == method);
            Assert.Equal((CellMetrics.SkipConnect, 3, 8), (agg.CollapseRule, agg.CollapseThreshold, agg.CountedEdges));
            var seeds = await Task.WhenAll(spec.Seeds.Select(s => fixture.Client.GetGrain<ISweepGrain>(id).GetSeed(method, s)));
            var finals = seeds.Select(s => s!.History.Last()).ToList();
            var skips = finals.Select(f => Recomputed.DartsGenes(f.Arch)[..8].Count(g => g.Op == "skip_connect")).ToList();
            Assert.Equal(skips.Count(k => k >= 3) / 2.0, agg.CollapseRate);
            Assert.Equal(skips.Average(), agg.Finals[CellMetrics.SkipConnect].Mean);
            Assert.Equal(finals.Select(f => (int)f.Metrics[CellMetrics.SkipConnect]), skips);
            Assert.Equal(Recomputed.DartsHamming(finals[0].Arch, finals[1].Arch), agg.MeanPairwiseHamming);

            var detail = seeds[0]!;
            Assert.Equal("darts", detail.Space);
            Assert.Equal(["normal", "reduce"], detail.Groups);
            Assert.Equal([14, 14], detail.GroupRows);
            Assert.Equal(28, detail.Edges.Length);
            Assert.Equal("normal 2<-0", detail.Edges[0]);
            Assert.Equal("reduce 5<-4", detail.Edges[^1]);
            Assert.Equal(8, detail.Ops.Length);
            Assert.All(detail.History, h => Assert.Equal(28, h.Alphas.Length));
            Assert.Equal(8, detail.History[^1].OpShares.Length);

            var direct = SearchRunner.Run(SweepValidation.OptionsFor(spec, method, 1), Path.Combine(Tiny.TempDir(), "direct"));
            Assert.Equal(Bits(direct.Alphas), Bits(seeds[1]!.History[^1].Alphas));
            Assert.Equal(direct.Arch, seeds[1]!.History[^1].Arch);
        }
    }

    [Fact]
    public async Task A_sweep_with_an_evaluate_section_trains_every_completed_genotype_and_aggregates_its_test_accuracy()
    {
        var id = Tiny.NewId("evaluate");
        var spec = Tiny.Spec(["single", "darts-v1"], [0, 1]) with { EvaluateJson = """{"epochs": 2, "channels": 2, "cells": 1, "batch_size": 16}""" };
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, Limit);
        Assert.Equal(SweepState.Completed, status.State);
        Assert.Equal(8, status.Seeds.Length);
        Assert.All(status.Seeds, s => Assert.True(s.State == SeedState.Completed, $"{s.Method} {s.Seed} {s.Stage}: {s.State} {s.Reason}"));

        var evaluation = SweepValidation.EvaluationOptions(spec)!;
        foreach (var method in spec.Methods)
        {
            var evaluations = status.Seeds.Where(s => s.Method == method && s.IsEvaluation).OrderBy(s => s.Seed).ToList();
            Assert.Equal(2, evaluations.Count);
            foreach (var e in evaluations)
            {
                var search = status.Seeds.Single(s => s.Method == method && s.Seed == e.Seed && !s.IsEvaluation);
                Assert.Equal(search.Last!.Arch, e.Last!.Arch);                   // the search's final genotype
                Assert.Equal(2, e.EpochsDone);
                Assert.EndsWith($"{method}-seed{e.Seed}-evaluate", e.RunFolder);
                // bit-identical to the same evaluation run directly
                var direct = EvalRunner.Run(evaluation with { Arch = search.Last.Arch, Seed = e.Seed }, Path.Combine(Tiny.TempDir(), "direct"));
                Assert.Equal(direct.TestAcc, e.Last.TestAcc);
                var detail = (await fixture.Client.GetGrain<ISweepGrain>(id).GetSeedStage(method, e.Seed, SeedStages.Evaluate))!;
                Assert.Equal([1, 2], detail.History.Select(h => h.Epoch));
                Assert.Equal(BitConverter.DoubleToInt64Bits(direct.TrainLoss), BitConverter.DoubleToInt64Bits(detail.History[^1].TrainLoss));
            }
            var agg = status.Methods.Single(m => m.Method == method);
            Assert.Equal((2, 0, 0), (agg.Evaluated, agg.EvaluationsFailed, agg.EvaluationsRunning));
            Assert.Equal(SweepAggregator.StatOf(evaluations.Select(e => e.Last!.TestAcc!.Value * 100)), agg.TestAcc);
            Assert.Equal(2, agg.Completed);       // the search figures count the searches only
            Assert.Equal(2, agg.Seeds);
            Assert.Equal(2, agg.Curve[^1].TrainAcc.N);
        }
    }

    [Fact]
    public async Task An_evaluation_whose_search_failed_is_cancelled_with_the_reason_and_the_sweep_ends()
    {
        var id = Tiny.NewId("evaluate-failed");
        var options = Tiny.Options(epochs: 3) with { Optimizer = new() { Lr = 1e9, LrMin = 0, GradClip = 0 } };
        var spec = new SweepSpec
        {
            Name = "diverging", Methods = ["single"], Seeds = [0], SearchJson = SearchOptionsJson.ToJson(options),
            EvaluateJson = """{"epochs": 1, "channels": 2, "cells": 1}""",
        };
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, Limit, expectFailures: true);
        var search = status.Seeds.Single(s => !s.IsEvaluation);
        Assert.Equal(SeedState.Failed, search.State);
        var evaluation = status.Seeds.Single(s => s.IsEvaluation);
        Assert.Equal((SeedState.Cancelled, "its search failed"), (evaluation.State, evaluation.Reason));
        Assert.Equal(SweepState.Completed, status.State);
    }

    [Fact]
    public async Task A_bad_evaluate_section_is_refused_with_every_problem()
    {
        var spec = Tiny.Spec(["single"], [0]) with { EvaluateJson = """{"epochs": 0, "arch": "x", "drop_path": 0.2, "epohcs": 3}""" };
        var problems = (await fixture.Client.GetGrain<ISweepGrain>(Tiny.NewId("bad-evaluate")).Start(spec)).Problems;
        Assert.Contains(problems, p => p.StartsWith("evaluate.arch: set per seed by the sweep", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("evaluate.epohcs: unknown option", StringComparison.Ordinal));
        Assert.Contains("evaluate: epochs must be positive (0 only with --init-from: test the loaded network), got 0", problems);
        Assert.Contains("evaluate: drop-path: the nb201 evaluation network has no drop-path (use 0)", problems);
    }

    /// <summary>The epoch after which a streak of <paramref name="epochs"/> epochs with ≥ <paramref name="threshold"/> parameter-free edges is first reached, not before <paramref name="earliest"/>.</summary>
    private static int? ExpectedAlarm(IEnumerable<EpochSummary> history, int threshold, int epochs, int earliest = 0)
    {
        var streak = 0;
        foreach (var e in history)
        {
            streak = Recomputed.ParamFree(e.Arch) >= threshold ? streak + 1 : 0;
            if (streak >= epochs && e.Epoch >= earliest) return e.Epoch;
        }
        return null;
    }

    [Fact]
    public async Task The_collapse_alarm_waits_out_its_warm_up_while_the_streak_counts()
    {
        // 5 epochs, warm-up 0.6: no alarm before epoch 3; a streak of 2 that began in epoch 1 may alarm right at epoch 3
        var spec = Tiny.Spec(["single", "darts-v1"], [0, 1], epochs: 5) with { CollapseRule = "param_free", AlarmThreshold = 2, AlarmEpochs = 2, AlarmWarmup = 0.6 };
        var id = Tiny.NewId("alarm-warmup");
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, Limit);
        var early = 0;
        foreach (var seed in status.Seeds)
        {
            var history = (await fixture.Client.GetGrain<ISweepGrain>(id).GetSeed(seed.Method, seed.Seed))!.History;
            Assert.Equal(ExpectedAlarm(history, 2, 2, earliest: 3), seed.AlarmEpoch);
            if (ExpectedAlarm(history, 2, 2) is < 3) early++;
        }
        Assert.True(early > 0, "no tiny seed reached its streak before the warm-up ended: the test shows nothing");
        var bad = await fixture.Client.GetGrain<ISweepGrain>(Tiny.NewId("bad-warmup")).Start(spec with { AlarmWarmup = 1.5 });
        Assert.Contains("collapse_alarm.warmup must be a share of the epochs from 0 to below 1 (0.5: no alarm in the first half), got 1.5", bad.Problems);
    }

    [Fact]
    public async Task The_collapse_alarm_fires_once_where_the_rule_says_and_on_collapse_stop_ends_the_seed_there_with_that_genotype()
    {
        var spec = Tiny.Spec(["single", "darts-v1"], [0, 1, 2], epochs: 5) with { CollapseRule = "param_free", AlarmThreshold = 3, AlarmEpochs = 2 };
        var id = Tiny.NewId("alarm");
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, Limit);
        var expected = new Dictionary<(string, long), int?>();
        foreach (var seed in status.Seeds)
        {
            var detail = (await fixture.Client.GetGrain<ISweepGrain>(id).GetSeed(seed.Method, seed.Seed))!;
            var at = ExpectedAlarm(detail.History, 3, 2);
            expected[(seed.Method, seed.Seed)] = at;
            Assert.Equal(at, seed.AlarmEpoch);
            Assert.Equal(at is null ? 0 : 1, seed.Warnings.Count(w => w.StartsWith("collapse alarm after epoch", StringComparison.Ordinal)));
            if (at is not null) Assert.StartsWith($"collapse alarm after epoch {at}: ", seed.Alarm);
        }
        Assert.Contains(expected.Values, v => v is not null);          // with ≥ 3 of 6 parameter-free edges for 2 epochs, some tiny seed alarms

        // the seeds' records lost, their run folders kept (in-memory grain state, a silo restarted, the same sweep started again):
        // each seed resumes its finished run and raises the alarm its history holds, at the same epoch, once
        var replayId = Tiny.NewId("alarm-replay");
        foreach (var seed in status.Seeds)
            CopyFolder(seed.RunFolder!, Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(seed.RunFolder!))!, replayId, Path.GetFileName(seed.RunFolder!)));
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(replayId).Start(spec)).Problems);
        foreach (var seed in (await fixture.WaitForEnd(replayId, Limit)).Seeds)
        {
            Assert.Equal((SeedState.Completed, 5), (seed.State, seed.EpochsDone));
            Assert.Equal(expected[(seed.Method, seed.Seed)], seed.AlarmEpoch);
            Assert.Equal(seed.AlarmEpoch is null ? 0 : 1, seed.Warnings.Count(w => w.StartsWith("collapse alarm after epoch", StringComparison.Ordinal)));
        }

        // the same seeds with on_collapse: stop end at their alarm, with that epoch's genotype; the others run on
        var stopId = Tiny.NewId("alarm-stop");
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(stopId).Start(spec with { StopOnCollapse = true })).Problems);
        var stopped = await fixture.WaitForEnd(stopId, Limit);
        foreach (var seed in stopped.Seeds)
        {
            Assert.Equal(SeedState.Completed, seed.State);
            var full = status.Seeds.Single(s => s.Method == seed.Method && s.Seed == seed.Seed);
            if (expected[(seed.Method, seed.Seed)] is not { } at)
            {
                Assert.Equal((5, full.Last!.Arch), (seed.EpochsDone, seed.Last!.Arch));
                continue;
            }
            var fullHistory = (await fixture.Client.GetGrain<ISweepGrain>(id).GetSeed(seed.Method, seed.Seed))!.History;
            Assert.Equal(at, seed.EpochsDone);
            Assert.Equal(fullHistory[at - 1].Arch, seed.Last!.Arch);
            Assert.Equal($"stopped early by the collapse alarm (on_collapse: stop) after epoch {at}", seed.Reason);
            var result = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(seed.RunFolder!, "result.json")))!;
            Assert.Equal(at, (int)result["epochs"]!);
            Assert.Equal(seed.Last.Arch, (string?)result["arch"]);
        }
        Assert.Equal(SweepState.Completed, stopped.State);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    [Fact]
    public async Task Cancel_stops_running_and_queued_seeds()
    {
        var id = Tiny.NewId("cancel");
        var grain = fixture.Client.GetGrain<ISweepGrain>(id);
        Assert.Empty((await grain.Start(Tiny.Spec(["single"], [0, 1, 2, 3], epochs: 200))).Problems);
        var until = DateTime.UtcNow + Limit;
        while ((await grain.GetStatus())!.Seeds.All(s => s.State != SeedState.Running) && DateTime.UtcNow < until) await Task.Delay(100);

        await grain.Cancel();
        var status = await fixture.WaitForEnd(id, Limit);
        while (status.Seeds.Any(s => !s.State.IsFinal()) && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
            status = (await grain.GetStatus())!;
        }

        Assert.Equal(SweepState.Cancelled, status.State);
        Assert.All(status.Seeds, s => Assert.Equal(SeedState.Cancelled, s.State));
        Assert.All(status.Seeds, s => Assert.True(s.EpochsDone < 200));
    }

    [Fact]
    public async Task A_sweep_above_the_seed_cap_is_refused_naming_the_setting()
    {
        var seeds = Enumerable.Range(0, 5_001).Select(i => (long)i).ToArray();
        var start = await fixture.Client.GetGrain<ISweepGrain>(Tiny.NewId("huge")).Start(Tiny.Spec(["single", "darts-v1"], seeds));
        var problem = Assert.Single(start.Problems);
        Assert.Equal("the sweep has 10,002 seeds (2 method(s) x 5,001); this cluster takes at most 10,000 (SingleDarts:Coordinator:MaxSeeds)", problem);
        Assert.Null(start.Status);
    }

    [Fact]
    public async Task Diverging_seeds_fail_with_epoch_and_step_and_the_silos_go_on_with_the_next_sweep()
    {
        var id = Tiny.NewId("diverge");
        var options = Tiny.Options(epochs: 3) with { Optimizer = new() { Lr = 1e9, LrMin = 0, GradClip = 0 } };
        var spec = Tiny.Spec(["single", "darts-v1"], [0, 1]) with { SearchJson = SearchOptionsJson.ToJson(options) };
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, Limit, expectFailures: true);

        Assert.Equal(SweepState.Completed, status.State);
        Assert.All(status.Seeds, s =>
        {
            Assert.Equal(SeedState.Failed, s.State);
            Assert.Matches(@"the (training loss|validation loss|gradient of (w|α)) became .* at epoch \d+, step \d+", s.Reason);
        });
        Assert.All(status.Methods, m => Assert.Equal((2, 0, (double?)null), (m.Failed, m.Completed, m.CollapseRate)));

        var next = Tiny.NewId("after");
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(next).Start(Tiny.Spec(["single"], [0]))).Problems);
        Assert.Equal(SeedState.Completed, Assert.Single((await fixture.WaitForEnd(next, Limit)).Seeds).State);
    }

    [Fact]
    public async Task Seeds_for_a_device_no_worker_offers_wait_queued_and_say_why()
    {
        var id = Tiny.NewId("cuda");
        var spec = Tiny.Spec(["single"], [0]) with { SearchJson = SearchOptionsJson.ToJson(Tiny.Options() with { Device = "cuda" }) };
        var grain = fixture.Client.GetGrain<ISweepGrain>(id);
        Assert.Empty((await grain.Start(spec)).Problems);

        var seed = Assert.Single((await grain.GetStatus())!.Seeds);
        Assert.Equal(SeedState.Queued, seed.State);
        Assert.Null(seed.Silo);
        Assert.StartsWith("waiting for a cuda worker silo", seed.Reason);

        await grain.Cancel();
        Assert.Equal(SeedState.Cancelled, Assert.Single((await fixture.WaitForEnd(id, Limit)).Seeds).State);
    }

    [Fact]
    public async Task A_bad_spec_is_refused_with_every_problem_and_starts_nothing()
    {
        var id = Tiny.NewId("bad");
        var spec = Tiny.Spec(["single", "darts-v7", "single"], [1, 1]) with
        {
            SearchJson = """{"epochs": 0, "chanels": 4, "optimizer": {"lr": -1, "momentun": 0.9}}""",
            CollapseThreshold = 9,
        };
        var start = await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec);

        Assert.Null(start.Status);
        Assert.Contains(start.Problems, p => p.Contains("darts-v7"));
        Assert.Contains(start.Problems, p => p.Contains("'single' is listed 2 times"));
        Assert.Contains(start.Problems, p => p.Contains("seeds: 1 is listed 2 times"));
        Assert.Contains(start.Problems, p => p.Contains("collapse_threshold"));
        Assert.Single(start.Problems, p => p.Contains("search.chanels: unknown option"));                // said once, not once per method
        Assert.Single(start.Problems, p => p.Contains("search.optimizer.momentun: unknown option"));
        Assert.Null(await fixture.Client.GetGrain<ISweepGrain>(id).GetStatus());
        Assert.DoesNotContain(await fixture.Client.GetGrain<ISweepRegistryGrain>(0).List(), s => s.Id == id);
    }

    private static int[] Bits(float[][] m) => [.. m.SelectMany(r => r).Select(BitConverter.SingleToInt32Bits)];

    [Fact]
    public async Task A_sweep_with_seeds_per_method_runs_each_methods_own_seeds_and_aggregates_them()
    {
        var id = Tiny.NewId("perseed");
        var spec = Tiny.Spec(["single", "darts-v1"], [0, 1, 2], epochs: 1) with
        {
            MethodSeeds = new() { ["single"] = [0, 1, 2], ["darts-v1"] = [5] },
        };
        var start = await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec);
        Assert.Empty(start.Problems);
        var status = await fixture.WaitForEnd(id, Limit);
        Assert.Equal(SweepState.Completed, status.State);
        Assert.Equal([("single", 0L), ("single", 1L), ("single", 2L), ("darts-v1", 5L)], status.Seeds.Select(s => (s.Method, s.Seed)).ToList());
        Assert.Equal(3, status.Methods.Single(m => m.Method == "single").Completed);
        Assert.Equal(1, status.Methods.Single(m => m.Method == "darts-v1").Completed);
        // the same start again is the same sweep; other per-method seeds are another
        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var other = spec with { MethodSeeds = new() { ["single"] = [0, 1, 2], ["darts-v1"] = [6] } };
        Assert.NotEmpty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(other)).Problems);
    }
}
