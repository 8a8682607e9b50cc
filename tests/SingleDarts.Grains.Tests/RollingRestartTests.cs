using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// What <c>kubectl rollout restart</c> does to the worker Deployment, on a real multi-process cluster: every worker in
/// turn gets SIGTERM and is replaced by a fresh process while a sweep runs (issue 26.5). Each stopped seed writes a
/// mid-epoch checkpoint and continues from that step elsewhere; every seed ends bit-identical to its standalone run.
/// </summary>
[Trait("Category", "integration")]
public sealed class RollingRestartTests(ITestOutputHelper output)
{
    private const string Sweep = "rolling-test";

    [Fact]
    public void Every_worker_replaced_in_turn_while_a_sweep_runs_and_every_seed_ends_bit_identical()
    {
        var dir = Tiny.TempDir();
        const string state = "--SingleDarts:Storage:GrainState=folder";
        int primarySilo = CliProcess.FreePort(), primaryGateway = CliProcess.FreePort();
        using var primary = CliProcess.StartSilo($"--Orleans:SiloPort={primarySilo} --Orleans:GatewayPort={primaryGateway} --SingleDarts:Worker:Enabled=false {state}", dir);
        var workers = new Dictionary<string, CliProcess>();
        string StartWorker()
        {
            int silo = CliProcess.FreePort(), gateway = CliProcess.FreePort();
            workers[$"127.0.0.1:{silo}"] = CliProcess.StartSilo($"--Orleans:SiloPort={silo} --Orleans:GatewayPort={gateway} " +
                $"--Orleans:PrimarySiloEndpoint=127.0.0.1:{primarySilo} --SingleDarts:Worker:RunsRoot={dir}/runs {state}", dir);
            return $"127.0.0.1:{silo}";
        }
        var original = new[] { StartWorker(), StartWorker() };
        try
        {
            var options = Tiny.Options(epochs: 5) with { TrainSize = 4096 };
            var spec = CliProcess.SpecFile(dir, "rolling", Sweep, ["single", "darts-v1"], [5], options);
            var gateway = $"--gateway 127.0.0.1:{primaryGateway}";
            var started = CliProcess.RunWhenReachable($"sweep start -f {spec} {gateway}");
            Assert.True(started.Exit == 0, started.Out + started.Err);

            foreach (var victim in original)
            {
                // the rollout reaches this worker: while a seed is inside an epoch there if it has one
                Poll(gateway, seeds => seeds.Any(s => (string?)s["silo"] == victim && Running(s) && (int)s["step"]! > 0)
                                       || seeds.All(s => Final(s) || (Running(s) && (string?)s["silo"] != victim && (int)s["step"]! > 0)), $"a seed mid-epoch before stopping {victim}");
                workers[victim].Terminate();
                Assert.True(workers[victim].WaitForExitOnly(TimeSpan.FromMinutes(1)), $"{victim} did not stop within a minute of SIGTERM");
                Assert.True(workers[victim].ExitCode == 0, $"{victim} exit {workers[victim].ExitCode}: {workers[victim].Err}");
                var replacement = StartWorker();
                output.WriteLine($"{victim} stopped (SIGTERM), replaced by {replacement}");
                // the rollout waits for the new pod before the next: here, until no seed is left on the stopped worker
                Poll(gateway, seeds => seeds.All(s => Final(s) || ((string?)s["silo"] != victim && s["resuming"] is null)), $"the seeds of {victim} to run elsewhere");
            }

            var end = Poll(gateway, seeds => seeds.All(Final), "the sweep's end");
            var continued = 0;
            foreach (var seed in end)
            {
                Assert.Equal("completed", (string?)seed["state"]);
                var warnings = seed["warnings"]!.AsArray().Select(w => (string)w!).ToList();
                output.WriteLine($"{seed["method"]}: {string.Join(" | ", warnings)}");
                continued += warnings.Count(w => w.Contains("from its mid-epoch checkpoint"));
                var method = (string)seed["method"]!;
                var direct = SearchRunner.Run(options with { Method = method, Seed = 5 }, Path.Combine(dir, "direct-" + method));
                Assert.Equal(direct.Arch, (string?)seed["last"]!["arch"]);
                Assert.Equal(direct.Alphas.SelectMany(r => r), seed["last"]!["alphas"]!.AsArray().SelectMany(r => r!.AsArray()).Select(v => (float)v!));
            }
            // at least the first stop caught a seed mid-epoch, and it continued from that step rather than from the epoch's start
            Assert.True(continued >= 1, "no seed continued from a mid-epoch checkpoint");
        }
        finally
        {
            foreach (var w in workers.Values) w.Dispose();
        }
    }

    private static bool Running(JsonNode s) => (string?)s["state"] == "running";
    private static bool Final(JsonNode s) => (string?)s["state"] is "completed" or "failed" or "cancelled";

    /// <summary>
    /// The sweep's seeds, polled through other CLI processes until <paramref name="until"/> holds; a failed seed ends the wait with its
    /// reason. It gives up after 3 minutes in which no seed moved (state, silo, epoch, step, hand-over or warnings), 20 in all: on a
    /// loaded machine a replacement worker takes minutes to start (a loaded run of issue 26 timed out here while it did).
    /// </summary>
    private static List<JsonNode> Poll(string gateway, Func<List<JsonNode>, bool> until, string what)
    {
        var (stall, cap, started) = (TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(20), DateTime.UtcNow);
        var deadline = started + stall;
        var last = "";
        List<JsonNode> seeds = [];
        while (DateTime.UtcNow < deadline && DateTime.UtcNow - started < cap)
        {
            var (exit, stdout, _) = CliProcess.Run($"sweep status {Sweep} --json {gateway}");
            if (exit == 0)
            {
                seeds = [.. JsonNode.Parse(stdout)!["seeds"]!.AsArray().Select(s => s!)];
                foreach (var s in seeds) SeedFailures.ThrowIfFailed(s, what);
                if (seeds.Count > 0 && until(seeds)) return seeds;
                var moved = string.Join(";", seeds.Select(s => $"{s["state"]},{s["silo"]},{s["epochs_done"]},{s["step"]},{s["resuming"]},{s["warnings"]?.AsArray().Count}"));
                if (moved != last) (last, deadline) = (moved, DateTime.UtcNow + stall);
            }
            Thread.Sleep(200);
        }
        throw new TimeoutException($"{Sweep}: no {what}: no seed moved in {stall} (or {cap} in all): {string.Join(", ", seeds.Select(s => s.ToJsonString()))}");
    }
}
