using SingleDarts.Abstractions;
using SingleDarts.Search.Runs;
using System.Text.Json.Nodes;
using SingleDarts.Grains;
using Xunit.Abstractions;

namespace SingleDarts.Grains.Tests;

/// <summary>The <c>sweep</c> and <c>seed</c> commands as a user runs them: separate processes.</summary>
[Trait("Category", "integration")]
public sealed class SweepCliTests
{
    private static string Spec(string dir, string text)
    {
        var path = Path.Combine(dir, "spec.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    private const string TinySearch = """
        search:
          channels: 2
          cells: 1
          image_size: 8
          train_size: 128
          synthetic_classes: 4
          batch_size: 16
          threads: 1
        """;

    [Fact]
    public void A_local_sweep_answers_status_seed_show_list_and_export_from_other_processes_and_can_be_cancelled()
    {
        var dir = Tiny.TempDir();
        var spec = Spec(dir, "name: cli\nid: cli-test\nmethods: [single]\nseeds: [0, 1]\n" + TinySearch + "\n  epochs: 400\n");
        var gateway = $"--gateway localhost:{CliProcess.FreePort()}";
        using var local = CliProcess.Start($"sweep start -f {spec} --report off --local {gateway} --silo-port {CliProcess.FreePort()} --runs {dir}/runs --metrics off");

        // the local silo takes a few seconds to start; then a seed runs
        JsonNode? status = null;
        var until = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < until && !local.HasExited)
        {
            var (exit, stdout, _) = CliProcess.Run($"sweep status cli-test --json {gateway}");
            if (exit == 0 && (status = JsonNode.Parse(stdout))!["seeds"]!.AsArray().Any(s => (int?)s!["epochs_done"] > 0)) break;
            foreach (var seed in status?["seeds"]?.AsArray() ?? []) SeedFailures.ThrowIfFailed(seed, "a first epoch of cli-test");
            Thread.Sleep(500);
        }
        Assert.False(local.HasExited, local.Out + local.Err);
        Assert.Equal("running", (string?)status!["state"]);
        Assert.Equal(2, status["seeds"]!.AsArray().Count);

        var show = CliProcess.Run($"seed show cli-test single 0 --json {gateway}");
        Assert.Equal(0, show.Exit);
        var detail = JsonNode.Parse(show.Out)!;
        Assert.Equal("running", (string?)detail["status"]!["state"]);
        Assert.True(detail["history"]!.AsArray().Count >= 1);
        Assert.Equal(6, detail["history"]![0]!["alphas"]!.AsArray().Count);

        var table = CliProcess.Run($"seed show cli-test single 0 {gateway}");
        Assert.Equal(0, table.Exit);
        Assert.Contains("nor_conv_3x3", table.Out);

        var list = CliProcess.Run($"sweep list --json {gateway}");
        Assert.Contains(JsonNode.Parse(list.Out)!.AsArray(), s => (string?)s!["id"] == "cli-test");

        var csv = Path.Combine(dir, "export.csv");
        Assert.Equal(0, CliProcess.Run($"sweep export cli-test --format csv -o {csv} {gateway}").Exit);
        var lines = File.ReadAllLines(csv);
        Assert.StartsWith("sweep,method,seed,stage,state,silo,space,data,synthetic_data,epoch,train_loss", lines[0]);
        Assert.EndsWith(",arch,alarm,started_at,finished_at,cell.param_free,cell.skip_connect,alpha.entropy,hessian.lambda_max", lines[0]);     // then a column per declared metric (synthetic data: no benchmark)
        Assert.Contains(lines.Skip(1), l => l.StartsWith("cli-test,single,0,search,running,", StringComparison.Ordinal));
        var json = Path.Combine(dir, "export.json");
        Assert.Equal(0, CliProcess.Run($"sweep export cli-test --format full -o {json} {gateway}").Exit);
        var export = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal("cli-test", (string?)export["sweep"]!["id"]);
        Assert.Equal(2, export["seeds"]!.AsArray().Count);
        Assert.Contains(export["seeds"]!.AsArray(), s => s!["history"]!.AsArray().Count >= 1 && s["history"]![0]!["arch"]!.GetValue<string>().Contains('|'));

        // the stability report of the running sweep through the gateway, and the same from its export file
        var live = CliProcess.Run($"sweep report cli-test -o {dir}/report-live {gateway}");
        Assert.True(live.Exit == 0, live.Err);
        Assert.Contains($"report: {dir}/report-live/report.html", live.Out);
        Assert.Contains("Stability report — sweep cli-test", File.ReadAllText(Path.Combine(dir, "report-live", "report.html")));
        var offline = CliProcess.Run($"report {json} -o {dir}/report-offline");
        Assert.True(offline.Exit == 0, offline.Err);
        Assert.True(File.Exists(Path.Combine(dir, "report-offline", "figures", "alpha-single-seed0.svg")));
        var records = Path.Combine(dir, "export-records.json");
        Assert.Equal(0, CliProcess.Run($"sweep export cli-test --format json -o {records} {gateway}").Exit);
        Assert.Contains(JsonNode.Parse(File.ReadAllText(records))!.AsArray(), r => (string?)r!["method"] == "single" && (bool)r["synthetic_data"]!);
        var parquet = Path.Combine(dir, "export.parquet");
        Assert.Equal(0, CliProcess.Run($"sweep export cli-test --format parquet -o {parquet} {gateway}").Exit);
        Assert.Equal("PAR1"u8.ToArray(), File.ReadAllBytes(parquet)[..4]);
        var tableReport = CliProcess.Run($"report {records} -o {dir}/report-table");
        Assert.Equal(2, tableReport.Exit);
        Assert.Contains("--format full", tableReport.Err);
        var wrong = CliProcess.Run($"report {csv} -o {dir}/report-wrong");
        Assert.Equal(2, wrong.Exit);
        Assert.StartsWith("error: ", wrong.Err.Trim());
        Assert.DoesNotContain("   at ", wrong.Err);

        // the summary first, then the seeds the filters choose
        var filtered = CliProcess.Run($"sweep status cli-test --method single --state running --top 1 {gateway}");
        Assert.Equal(0, filtered.Exit);
        Assert.True(filtered.Out.IndexOf("stability across seeds", StringComparison.Ordinal) < filtered.Out.IndexOf("sweep cli-test", StringComparison.Ordinal), filtered.Out);
        Assert.Contains("1 of 2 seeds shown", filtered.Out);
        Assert.Equal(2, CliProcess.Run($"sweep status cli-test --state sleeping {gateway}").Exit);

        var unknown = CliProcess.Run($"sweep status no-such-sweep {gateway}");
        Assert.Equal(1, unknown.Exit);
        Assert.StartsWith("error: no sweep 'no-such-sweep' on the cluster at", unknown.Err.Trim());

        using var watch = CliProcess.Start($"sweep watch cli-test {gateway}");
        var cancel = CliProcess.Run($"sweep cancel cli-test {gateway}");
        Assert.Equal(0, cancel.Exit);
        Assert.Contains("cancelled", cancel.Out);

        var ended = local.WaitForExit(TimeSpan.FromMinutes(2));
        Assert.True(ended.Exit == 0, $"exit {ended.Exit}: {ended.Err}");
        Assert.Contains("sweep: cli-test cancelled", ended.Out);
        // synthetic data: said before the first epoch (after the plan) and above the stability table
        Assert.Contains(SyntheticData.Line, ended.Err);
        Assert.True(ended.Out.IndexOf("synthetic data: ", StringComparison.Ordinal) is var at && at >= 0 && at < ended.Out.IndexOf("stability across seeds", StringComparison.Ordinal), ended.Out);
        Assert.Equal(0, watch.WaitForExit(TimeSpan.FromMinutes(1)).Exit);
        Assert.Contains("single seed 0: cancelled", watch.Out);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_local_sweep_killed_or_stopped_by_sigterm_continues_when_the_same_command_runs_again_and_ends_bit_identical(bool sigterm)
    {
        var dir = Tiny.TempDir();
        var spec = Spec(dir, "name: again\nid: again-test\nmethods: [single]\nseeds: [0]\n" + TinySearch.Replace("train_size: 128", "train_size: 2048") + "\n  epochs: 5\n");
        var gateway = $"--gateway localhost:{CliProcess.FreePort()}";
        var start = $"sweep start -f {spec} --report off --local {gateway} --silo-port {CliProcess.FreePort()} --runs {dir}/runs --state-folder {dir}/state --metrics off";
        using (var first = CliProcess.Start(start))
        {
            var until = DateTime.UtcNow.AddMinutes(2);
            while (DateTime.UtcNow < until && !first.HasExited)
            {
                var (exit, stdout, _) = CliProcess.Run($"sweep status again-test --json {gateway}");
                if (exit == 0 && (int)JsonNode.Parse(stdout)!["seeds"]![0]!["epochs_done"]! >= 2) break;
                Thread.Sleep(300);
            }
            Assert.False(first.HasExited, first.Out + first.Err);
            if (sigterm)
            {
                // with --state-folder, SIGTERM (a shutdown, the end of a session) stops the process and keeps the sweep, not cancels it
                first.Terminate();
                var stopped = first.WaitForExit(TimeSpan.FromMinutes(2));
                Assert.True(stopped.Exit == 130, $"exit {stopped.Exit}: {stopped.Err}");
                Assert.Contains("stopped: sweep again-test keeps its state and checkpoints; the same command continues it", stopped.Err);
                Assert.DoesNotContain("cancelling the sweep", stopped.Err);
            }
        }       // else SIGKILL mid-run

        var (code, output, errors) = CliProcess.Run(start);
        Assert.True(code == 0, output + errors);
        Assert.Contains("sweep: again-test completed", output);
        var folder = Path.Combine(dir, "runs", "again-test", "single-seed0");
        var resumed = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "result.json")))!;
        var direct = SearchRunner.Run(Tiny.Options(epochs: 5) with { TrainSize = 2048, Seed = 0 }, Path.Combine(dir, "direct"));
        Assert.Equal(direct.Arch, (string?)resumed["arch"]);
        Assert.Equal(direct.Alphas.SelectMany(r => r), resumed["alphas"]!.AsArray().SelectMany(r => r!.AsArray()).Select(v => (float)v!));
        Assert.Equal(5, File.ReadAllLines(Path.Combine(folder, "epochs.jsonl")).Length);
    }

    [Fact]
    public void A_query_stopped_by_sigterm_says_cancelled_and_nothing_about_resuming()
    {
        // a "gateway" that accepts connections and never answers: the command is still connecting when SIGTERM comes
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            using var query = CliProcess.Start($"sweep list --gateway 127.0.0.1:{port}");
            using (var accepted = listener.AcceptTcpClient())
            {
                query.Terminate();
                var (exit, _, stderr) = query.WaitForExit(TimeSpan.FromMinutes(1));
                Assert.Equal(130, exit);
                Assert.Equal("cancelled", stderr.Trim());
            }
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public void An_unreachable_gateway_is_one_clear_error_with_exit_code_1()
    {
        var port = CliProcess.FreePort();
        foreach (var args in new[] { "sweep status x", "sweep list", "seed show x single 0" })
        {
            var (exit, stdout, stderr) = CliProcess.Run($"{args} --gateway localhost:{port}");
            Assert.Equal(1, exit);
            var error = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"error: cannot reach a SingleDarts gateway at 127.0.0.1:{port}", error);
        }
    }

    [Fact]
    public void A_bad_spec_is_refused_before_anything_starts_with_every_problem_and_exit_code_2()
    {
        var dir = Tiny.TempDir();
        var spec = Spec(dir, """
            name: bad
            methods: [single, darts-v9]
            seeds: [0, 0, x]
            colapse_threshold: 4
            collapse_alarm: {threshold: 9, epochs: 0, after: 2}
            on_collapse: halt
            evaluate:
              epochs: -1
              arch: darts_v2
            search:
              epochs: 0
              chanels: 8
              relax: gumbel
              batch_size: 0
              data: no-such-folder
              optimizer:
                lr: -1
            """);
        var (exit, _, stderr) = CliProcess.Run($"sweep start -f {spec} --report off --local --gateway localhost:{CliProcess.FreePort()} --metrics off");
        Assert.True(exit == 2, stderr);
        var errors = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(errors, e => Assert.StartsWith("error: spec.yaml: ", e));
        foreach (var expected in new[] { "colapse_threshold: unknown key", "darts-v9", "seeds: 0 is listed 2 times", "seeds: 'x' is not a whole number", "search.chanels: unknown option",
                     "search.relax: a part of a method; compose a method with it in methods", "epochs must be positive", "batch-size must be positive", "lr must be a positive finite number",
                     "collapse_alarm.after: unknown key", "collapse_alarm.epochs must be at least 1", "on_collapse: stop or continue, got 'halt'",
                     "evaluate.arch: set per seed by the sweep", "evaluate: epochs must be positive (0 only with --init-from: test the loaded network), got -1" })
            Assert.Contains(errors, e => e.Contains(expected));

        spec = Spec(dir, "methods: [single]\nseeds: [0]\nsearch:\n  epochs: 0\n  data: no-such-folder\n  optimizer:\n    lr: -1\n");
        (exit, _, stderr) = CliProcess.Run($"sweep start -f {spec} --report off --local --gateway localhost:{CliProcess.FreePort()} --metrics off");
        Assert.Equal(2, exit);
        foreach (var expected in new[] { "epochs must be positive", "no such file or folder", "lr must be a positive finite number" })
            Assert.Contains(expected, stderr);

        File.WriteAllText(spec, "methods: [single\nseeds: 0");
        (exit, _, stderr) = CliProcess.Run($"sweep start -f {spec}");
        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains("not valid YAML", stderr);

        (exit, _, stderr) = CliProcess.Run($"sweep start -f {Path.Combine(dir, "missing.yaml")}");
        Assert.Equal(2, exit);
        Assert.Contains("no such spec file", stderr);
    }

    [Fact]
    public void A_local_sweep_with_an_evaluate_section_runs_both_stages_and_prints_the_test_accuracy_per_method()
    {
        var dir = Tiny.TempDir();
        var spec = Spec(dir, "name: staged\nid: staged-test\nmethods: [single, darts-v1]\nseeds: [0, 1]\n" + TinySearch +
            "\n  epochs: 2\nevaluate:\n  epochs: 2\n  channels: 2\n  cells: 1\n  batch_size: 16\n");
        var (exit, stdout, stderr) = CliProcess.Run($"sweep start -f {spec} --report {dir}/report --local --gateway localhost:{CliProcess.FreePort()} " +
            $"--silo-port {CliProcess.FreePort()} --runs {dir}/runs --metrics off");

        Assert.True(exit == 0, $"exit {exit}: {stdout}{stderr}");
        Assert.Contains("then 2 epochs of evaluation per completed seed", stderr);                  // the plan
        var evaluated = stdout.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\S+ seed \d evaluation: completed .*, test \d+\.\d\d%")).ToList();
        Assert.Equal(4, evaluated.Count);
        Assert.Contains("test acc % (min–max)", stdout);
        Assert.Contains($"report: {dir}/report/report.html", stdout);        // the command ends with the sweep's report
        Assert.True(File.Exists(Path.Combine(dir, "report", "figures", "final-test.svg")));
        // the whole export goes with the report: the local silo is gone, yet the report can be rendered again from it
        Assert.Contains($"export: {dir}/report/sweep.json", stdout);
        var again = CliProcess.Run($"report {dir}/report/sweep.json -o {dir}/again");
        Assert.True(again.Exit == 0, $"exit {again.Exit}: {again.Err}");
        static string Undated(string html) => System.Text.RegularExpressions.Regex.Replace(html, @"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", "");
        Assert.Equal(Undated(File.ReadAllText(Path.Combine(dir, "report", "report.html"))), Undated(File.ReadAllText(Path.Combine(dir, "again", "report.html"))));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(stdout, @" 2/2 +\S+ ±").Count);       // evaluated/completed, then mean ± std
        foreach (var method in new[] { "single", "darts-v1" })
            foreach (var seed in new[] { 0, 1 })
            {
                var folder = Path.Combine(dir, "runs", "staged-test", $"{method}-seed{seed}-evaluate");
                var result = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "result.json")))!;
                var search = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "runs", "staged-test", $"{method}-seed{seed}", "result.json")))!;
                Assert.Equal((string?)search["arch"], (string?)result["arch"]);
                Assert.Equal(2, (int)result["epochs"]!);
            }
    }

    [Fact]
    public void A_local_sweep_whose_seeds_all_fail_reports_each_reason_once_and_exits_with_code_4()
    {
        var dir = Tiny.TempDir();
        var spec = Spec(dir, "name: broken\nid: broken-test\nmethods: [single, darts-v1]\nseeds: [0, 1, 2]\n" + TinySearch +
            "\n  epochs: 2\n  optimizer: {lr: 1.0e9, lr_min: 0, grad_clip: 0}\n");
        var (exit, stdout, stderr) = CliProcess.Run($"sweep start -f {spec} --report off --local --gateway localhost:{CliProcess.FreePort()} " +
            $"--silo-port {CliProcess.FreePort()} --runs {dir}/runs --metrics off");

        Assert.True(exit == 4, $"exit {exit}: {stderr}");
        Assert.Matches(@"^error: 6 of 6 seeds failed \((single: 3, darts-v1: 3|darts-v1: 3, single: 3)\); first: \S+ seed \d: the .+ became .+ at epoch \d, step \d+$",
            stderr.Trim().Split('\n')[^1]);
        Assert.Contains("6 seed(s) failed", stdout);            // the stability table's title
        // every failure is accounted for: a line of its own, or one of the folded repeats
        var own = stdout.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\S+ seed \d: failed"));
        var folded = System.Text.RegularExpressions.Regex.Matches(stdout, @"^(\d+) more seed\(s\) failed in their first epoch the same way",
            System.Text.RegularExpressions.RegexOptions.Multiline).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(6, own + folded);
        Assert.True(folded > 0, stdout);
    }
}

/// <summary>A real multi-process cluster: two silo host processes and the CLI as a client.</summary>
[Trait("Category", "integration")]
public sealed class SiloHostTests(ITestOutputHelper output)
{

    [Fact]
    public void Seeds_submitted_through_a_gateway_only_silo_run_on_the_worker_silo_of_another_process()
    {
        var dir = Tiny.TempDir();
        int primarySilo = CliProcess.FreePort(), primaryGateway = CliProcess.FreePort(), workerSilo = CliProcess.FreePort(), workerGateway = CliProcess.FreePort();
        using var primary = CliProcess.StartSilo($"--Orleans:SiloPort={primarySilo} --Orleans:GatewayPort={primaryGateway} --SingleDarts:Worker:Enabled=false", dir);
        using var worker = CliProcess.StartSilo($"--Orleans:SiloPort={workerSilo} --Orleans:GatewayPort={workerGateway} " +
            $"--Orleans:PrimarySiloEndpoint=127.0.0.1:{primarySilo} --SingleDarts:Worker:RunsRoot={dir}/runs", dir);
        var spec = CliProcess.SpecFile(dir, "hosted", "hosted-test", ["single", "darts-v1"], [3], Tiny.Options(epochs: 2));

        // the worker joins within seconds; until then there is no worker and seeds wait as queued
        var gateway = $"--gateway 127.0.0.1:{primaryGateway}";
        var started = CliProcess.RunWhenReachable($"sweep start -f {spec} --report off --watch {gateway}");
        Assert.True(started.Exit == 0, started.Out + started.Err + primary.Err + worker.Err);
        Assert.Contains("sweep: hosted-test completed", started.Out);

        var status = JsonNode.Parse(CliProcess.Run($"sweep status hosted-test --json {gateway}").Out)!;
        Assert.All(status["seeds"]!.AsArray(), s =>
        {
            Assert.Equal("completed", (string?)s!["state"]);
            Assert.Equal($"127.0.0.1:{workerSilo}", (string?)s["silo"]);
        });
        Assert.True(File.Exists(Path.Combine(dir, "runs", "hosted-test", "darts-v1-seed3", "result.json")));
    }

    /// <summary>
    /// SIGKILL (a crash, an evicted pod) and SIGTERM (a rolling update, a node drain) of the worker process running
    /// a seed mid-epoch: the other worker finishes it bit-identical. On SIGTERM the worker stops the seed at its
    /// next step, leaves the cluster by itself (exit 0), and the seed says it was handed over; the time to resume
    /// is printed for both (measured, not asserted).
    /// </summary>
    [Theory]
    [InlineData("SIGKILL")]
    [InlineData("SIGTERM")]
    public void A_worker_process_stopped_mid_epoch_hands_its_seed_to_the_other_worker_which_finishes_it_bit_identical(string signal)
    {
        var dir = Tiny.TempDir();
        const string state = "--SingleDarts:Storage:GrainState=folder";
        int primarySilo = CliProcess.FreePort(), primaryGateway = CliProcess.FreePort();
        using var primary = CliProcess.StartSilo($"--Orleans:SiloPort={primarySilo} --Orleans:GatewayPort={primaryGateway} --SingleDarts:Worker:Enabled=false {state}", dir);
        var workers = new Dictionary<string, CliProcess>();
        for (var i = 0; i < 2; i++)
        {
            int silo = CliProcess.FreePort(), gateway = CliProcess.FreePort();
            workers[$"127.0.0.1:{silo}"] = CliProcess.StartSilo($"--Orleans:SiloPort={silo} --Orleans:GatewayPort={gateway} " +
                $"--Orleans:PrimarySiloEndpoint=127.0.0.1:{primarySilo} --SingleDarts:Worker:RunsRoot={dir}/runs {state}", dir);
        }
        try
        {
            var options = Tiny.Options(epochs: 6) with { TrainSize = 2048 };
            var spec = CliProcess.SpecFile(dir, "kill", "kill-test", ["single"], [5], options);
            var gateway = $"--gateway 127.0.0.1:{primaryGateway}";
            var started = CliProcess.RunWhenReachable($"sweep start -f {spec} {gateway}");
            Assert.True(started.Exit == 0, started.Out + started.Err);

            // a worker process is stopped by hand while its seed is inside an epoch
            var seed = Poll(gateway, s => s["state"]!.GetValue<string>() == "running" && (int)s["epochs_done"]! >= 1 && (int)s["step"]! > 0);
            var victim = (string)seed["silo"]!;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            if (signal == "SIGTERM") workers[victim].Terminate();
            else workers[victim].Dispose();
            var resumed = Poll(gateway, s => (string?)s["silo"] != victim && s["state"]!.GetValue<string>() != "queued" && s["resuming"] is null);
            output.WriteLine($"{signal}: the seed ran again on {(string?)resumed["silo"]} {clock.Elapsed.TotalSeconds:F1} s after the signal (polled through CLI processes)");
            if (signal == "SIGTERM")
            {
                Assert.True(workers[victim].WaitForExitOnly(TimeSpan.FromMinutes(1)), "the worker did not stop within a minute of SIGTERM");
                Assert.True(workers[victim].ExitCode == 0, $"exit {workers[victim].ExitCode}: {workers[victim].Err}");
            }

            var end = Poll(gateway, s => s["state"]!.GetValue<string>() is "completed" or "failed" or "cancelled");
            Assert.Equal("completed", (string?)end["state"]);
            Assert.NotEqual(victim, (string?)end["silo"]);
            // the resume is in the views a user reads, not only in --json
            Assert.Contains("resumed on", CliProcess.Run($"sweep status kill-test {gateway}").Out);
            Assert.Contains("warning: resumed on", CliProcess.Run($"seed show kill-test single 5 {gateway}").Out);
            Assert.Contains(end["warnings"]!.AsArray(), w => ((string)w!).Contains("resumed on") &&
                ((string)w!).Contains(signal == "SIGTERM" ? $"{victim} shut down and handed it over" : $"{victim} was lost"));
            var direct = SearchRunner.Run(options with { Seed = 5 }, Path.Combine(dir, "direct"));
            Assert.Equal(direct.Arch, (string?)end["last"]!["arch"]);
            Assert.Equal(direct.Alphas.SelectMany(r => r), end["last"]!["alphas"]!.AsArray().SelectMany(r => r!.AsArray()).Select(v => (float)v!));
        }
        finally
        {
            foreach (var w in workers.Values) w.Dispose();
        }
    }

    /// <summary>The seed of kill-test, polled through other CLI processes until <paramref name="until"/> holds (3 minutes at most).</summary>
    private static JsonNode Poll(string gateway, Func<JsonNode, bool> until)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        JsonNode? seed = null;
        while (DateTime.UtcNow < deadline)
        {
            var (exit, stdout, _) = CliProcess.Run($"sweep status kill-test --json {gateway}");
            if (exit == 0 && (seed = JsonNode.Parse(stdout)!["seeds"]![0]) is not null && until(seed)) return seed;
            SeedFailures.ThrowIfFailed(seed, "kill-test's seed");
            Thread.Sleep(200);
        }
        throw new TimeoutException($"kill-test did not get there: {seed?.ToJsonString()}");
    }
}
