using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SingleDarts.Abstractions;
using SingleDarts.Hosting;
using SingleDarts.Hosting.Storage;
using SingleDarts.Search;
using SingleDarts.Search.Runs;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SingleDarts.Cli.Sweeps;

/// <summary><c>singledarts sweep …</c>: multi-seed stability sweeps on a SingleDarts cluster.</summary>
public static class SweepCommand
{
    private static readonly TimeSpan LocalGrace = TimeSpan.FromSeconds(3);

    /// <summary>
    /// With a metrics endpoint, the embedded silo stays up for two scrape intervals of the shipped Prometheus
    /// configuration (deploy/prometheus, 5 s) and one more second, so that a scrape sees the sweep's final state.
    /// </summary>
    public static readonly TimeSpan LocalGraceWithMetrics = TimeSpan.FromSeconds(2 * 5 + 1);

    public static Option<string> GatewayOption() => new("--gateway")
    {
        Description = "the cluster's gateway, host:port (with --local: the embedded silo's gateway port)",
        DefaultValueFactory = _ => $"localhost:{ClusterSettings.DefaultGatewayPort}",
    };

    public static Option<bool> JsonOption() => new("--json") { Description = "print JSON (snake_case) instead of tables" };

    public static Argument<string> IdArgument() => new("ID") { Description = "the sweep id" };

    /// <summary>The seed table's filter options: --method, --state, --top.</summary>
    private static (Option<string?> Method, Option<string?> State, Option<int> Top) FilterOptions()
    {
        var method = new Option<string?>("--method") { Description = "show only this method's seeds" };
        var state = new Option<string?>("--state") { Description = "show only seeds in this state" };
        state.AcceptOnlyFromAmong([.. Enum.GetNames<SeedState>().Select(n => n.ToLowerInvariant())]);
        var top = new Option<int>("--top") { Description = "show at most N seeds (running ones first)", DefaultValueFactory = _ => SeedFilter.DefaultTop };
        return (method, state, top);
    }

    private static SeedFilter Filter(ParseResult parse, (Option<string?> Method, Option<string?> State, Option<int> Top) o)
    {
        var top = parse.GetValue(o.Top);
        if (top <= 0) throw new SearchConfigException($"--top must be positive, got {top}");
        var state = parse.GetValue(o.State) is { } name ? Enum.Parse<SeedState>(name, ignoreCase: true) : (SeedState?)null;
        return new SeedFilter(parse.GetValue(o.Method), state, top);
    }

    public static Command Create()
    {
        var sweep = new Command("sweep", "Multi-seed stability sweeps: each (method, seed) runs in a seed grain on a worker silo; a coordinator grain aggregates.");
        sweep.Subcommands.Add(Start());
        sweep.Subcommands.Add(Status());
        sweep.Subcommands.Add(Watch());
        sweep.Subcommands.Add(List());
        sweep.Subcommands.Add(Cancel());
        sweep.Subcommands.Add(SweepExport.Create());
        sweep.Subcommands.Add(ReportCommand.CreateForSweep());
        sweep.Subcommands.Add(SweepBench.Create());
        sweep.Subcommands.Add(SweepScaleBench.Create());
        return sweep;
    }

    private static Command Start()
    {
        var file = new Option<string>("--file", "-f") { Description = "the sweep spec (YAML or JSON): name, methods, seeds, collapse_threshold, search", Required = true };
        var local = new Option<bool>("--local") { Description = "host an embedded worker silo in this process (localhost clustering, in-memory state) and run the sweep on it to the end" };
        var watch = new Option<bool>("--watch") { Description = "follow the sweep live until it ends" };
        var id = new Option<string?>("--id") { Description = "sweep id (default: the spec's id, else <name>-<time>)" };
        var gateway = GatewayOption();
        var siloPort = new Option<int>("--silo-port") { Description = "with --local: the embedded silo's silo-to-silo port", DefaultValueFactory = _ => ClusterSettings.DefaultSiloPort };
        var runs = new Option<string>("--runs") { Description = "with --local: where seed run folders go (<runs>/<sweep>/<method>-seed<seed>)", DefaultValueFactory = _ => LocalWorker.DefaultRunsRoot };
        var slots = new Option<int>("--slots") { Description = "with --local: seeds run at once (default 1 on cpu)", DefaultValueFactory = _ => 0 };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "with --local: the dataset cache (decoded datasets; where --data cifar10|cifar100 are downloaded)" };
        var metrics = new Option<string>("--metrics")
        {
            Description = "with --local: serve Prometheus metrics at HOST:PORT/metrics, or 'off'",
            DefaultValueFactory = _ => $"{DefaultMetrics.Host}:{DefaultMetrics.Port}",
        };
        var otlp = new Option<bool>("--otlp") { Description = "with --local: export metrics and traces by OTLP (endpoint, protocol, headers from OTEL_EXPORTER_OTLP_*; on by itself when OTEL_EXPORTER_OTLP_ENDPOINT is set)" };
        var console = new Option<string?>("--telemetry-console") { Description = "with --local: print traces, metrics or all to stdout as they are exported" };
        var storage = new Option<string>("--storage")
        {
            Description = "with --local: local (grain state in memory or --state-folder, checkpoints in the run folders) or azure " +
                          "(Azure Storage; connection string from SingleDarts__Storage__ConnectionString or ConnectionStrings__SingleDartsStorage)",
            DefaultValueFactory = _ => "local",
        };
        storage.AcceptOnlyFromAmong("local", "azure");
        var stateFolder = new Option<string?>("--state-folder") { Description = "with --local: keep grain state in this folder, so that the same command started again continues the sweep" };
        var report = new Option<string>("--report")
        {
            Description = "when the command follows the sweep to its end (--local or --watch): write its stability report into this folder, or 'off'",
            DefaultValueFactory = _ => Path.Combine("runs", "reports", "<sweep id>"),
        };
        console.AcceptOnlyFromAmong("traces", "metrics", "all");
        var command = new Command("start", "Validate a sweep spec and launch it; with --local, on an embedded silo, to the end, ending with the stability table.")
        {
            file, local, watch, id, gateway, siloPort, runs, slots, cacheDir, metrics, otlp, console, storage, stateFolder, report,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var (spec, sweepId) = SweepSpecFile.Read(parse.GetValue(file)!, parse.GetValue(id));
            var isLocal = parse.GetValue(local);
            if (parse.GetValue(slots) < 0) throw new SearchConfigException($"--slots must not be negative, got {parse.GetValue(slots)}");
            if (isLocal && SweepSpecFile.MissingDownloads(spec, parse.GetValue(cacheDir)) is { Count: > 0 } missing) throw new SearchConfigException(missing);
            var reportFolder = parse.GetValue(report) is { } r && r.Trim().ToLowerInvariant() != "off" && (isLocal || parse.GetValue(watch))
                ? r.Replace("<sweep id>", sweepId, StringComparison.Ordinal) : null;
            if (reportFolder is not null) OutputPaths.WritableFolder("--report", reportFolder);
            await using var cluster = isLocal
                ? await StartLocal(parse.GetValue(gateway)!, parse.GetValue(siloPort), new LocalWorker(Path.GetFullPath(parse.GetValue(runs)!), parse.GetValue(slots), parse.GetValue(cacheDir)), Storage(parse.GetValue(storage)!, parse.GetValue(stateFolder)),
                    Telemetry(parse.GetValue(metrics)!, parse.GetValue(otlp), parse.GetValue(console)),
                    metricsExplicit: parse.GetResult(metrics) is { Implicit: false }, cancel)
                : await ClusterConnection.Connect(parse.GetValue(gateway)!, cancel);
            var grain = cluster.Client.GetGrain<ISweepGrain>(sweepId);
            var started = await grain.Start(spec);
            if (started.Problems.Length > 0) throw new SearchConfigException(started.Problems);
            var status = started.Status!;
            Console.Error.WriteLine(SweepProgress.Plan(status, isLocal ? $"the local silo, gateway {cluster.Gateway}" : cluster.Gateway));
            if (!isLocal && !parse.GetValue(watch))
            {
                Console.WriteLine(sweepId);
                return CliRunner.Ok;
            }
            var (final, interrupted) = await Follow(grain, sweepId, live: parse.GetValue(watch), cancel, cancelSweepOnInterrupt: isLocal);
            AnsiConsole.Write(SweepViews.Status(final, new SeedFilter()));
            Console.WriteLine($"sweep: {sweepId} {final.State.ToString().ToLowerInvariant()}");
            if (!interrupted && reportFolder is not null) await ReportCommand.WriteReport(grain, final, reportFolder, cancel);
            var exit = interrupted && isLocal ? CliRunner.Cancelled : EndOf(final);
            // the embedded gateway stays up a little longer, so that `sweep watch` elsewhere (polling every second) sees the end
            if (isLocal && !interrupted)
            {
                var served = !parse.GetValue(metrics)!.Trim().Equals("off", StringComparison.OrdinalIgnoreCase);
                if (served) Console.Error.WriteLine($"metrics: the endpoint stays up {LocalGraceWithMetrics.TotalSeconds:F0} s for a last scrape (Ctrl+C ends it now)");
                try
                {
                    await Task.Delay(served ? LocalGraceWithMetrics : LocalGrace, cancel);
                }
                catch (OperationCanceledException)
                {
                }
            }
            return exit;
        });
        return command;
    }

    private static readonly TelemetryOptions.PrometheusSettings DefaultMetrics = new();

    /// <summary>The local silo's storage: the environment's SingleDarts:Storage settings, then these options.</summary>
    private static StorageOptions Storage(string kind, string? stateFolder)
    {
        var options = StorageOptions.From(ClusterConnection.Environment);
        options.Kind = kind;
        if (stateFolder is not null)
        {
            if (options.IsAzure) throw new SearchConfigException("--state-folder: only with --storage local");
            options.GrainState = "folder";
            options.StateFolder = stateFolder;
        }
        return options;
    }

    private static TelemetryOptions Telemetry(string metrics, bool otlp, string? console)
    {
        var telemetry = new TelemetryOptions
        {
            ServiceName = "singledarts-local",
            Console = new() { Traces = console is "traces" or "all", Metrics = console is "metrics" or "all" },
        };
        if (otlp) telemetry.Otlp.Enabled = true;
        if (metrics.Trim().ToLowerInvariant() is "off" or "none" or "") return telemetry;
        var colon = metrics.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(metrics[(colon + 1)..], out var port) || port is < 1 or > 65535)
            throw new SearchConfigException($"--metrics: expected HOST:PORT or 'off', got '{metrics}'");
        var host = metrics[..colon].Trim('[', ']');
        telemetry.Prometheus = new() { Enabled = true, Host = host.Length == 0 ? DefaultMetrics.Host : host, Port = port };
        return telemetry;
    }

    /// <summary>
    /// The embedded silo. A metrics endpoint asked for by --metrics must be served; the default one
    /// is skipped with a warning when its port is taken (e.g. by another local sweep).
    /// </summary>
    private static async Task<ClusterConnection> StartLocal(string gateway, int siloPort, LocalWorker worker, StorageOptions storage,
        TelemetryOptions telemetry, bool metricsExplicit, CancellationToken cancel)
    {
        try
        {
            var cluster = await ClusterConnection.StartLocal(gateway, siloPort, worker, storage, telemetry, cancel);
            if (telemetry.Prometheus.Enabled) Console.Error.WriteLine($"metrics: {telemetry.Prometheus.Url}");
            return cluster;
        }
        catch (TelemetryException ex) when (!metricsExplicit)
        {
            Console.Error.WriteLine($"warning: {ex.Message}; this sweep serves no metrics (pass --metrics HOST:PORT)");
            telemetry.Prometheus.Enabled = false;
            return await ClusterConnection.StartLocal(gateway, siloPort, worker, storage, telemetry, cancel);
        }
        catch (TelemetryException ex)
        {
            throw new ClusterException($"--metrics: {ex.Message}");
        }
    }

    private static Command Status()
    {
        var id = IdArgument();
        var json = JsonOption();
        var gateway = GatewayOption();
        var filter = FilterOptions();
        var command = new Command("status", "A sweep's per-method stability table, then its seeds (filtered with --method, --state, --top).")
        {
            id, json, gateway, filter.Method, filter.State, filter.Top,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var seeds = Filter(parse, filter);
            await using var cluster = await ClusterConnection.Connect(parse.GetValue(gateway)!, cancel);
            var status = await GetStatus(cluster, parse.GetValue(id)!);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(status, WireJson.Options));
            else AnsiConsole.Write(SweepViews.Status(status, seeds));
            return CliRunner.Ok;
        });
        return command;
    }

    private static Command Watch()
    {
        var id = IdArgument();
        var gateway = GatewayOption();
        var filter = FilterOptions();
        var command = new Command("watch", "Follow a sweep live (a table on a terminal, a line per change otherwise) until it ends; Ctrl+C stops watching, not the sweep.")
        {
            id, gateway, filter.Method, filter.State, filter.Top,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var seeds = Filter(parse, filter);
            await using var cluster = await ClusterConnection.Connect(parse.GetValue(gateway)!, cancel);
            var sweepId = parse.GetValue(id)!;
            await GetStatus(cluster, sweepId);
            var (final, interrupted) = await Follow(cluster.Client.GetGrain<ISweepGrain>(sweepId), sweepId, live: true, cancel, cancelSweepOnInterrupt: false, seeds);
            AnsiConsole.Write(SweepViews.Methods(final));
            return interrupted ? CliRunner.Ok : EndOf(final);
        });
        return command;
    }

    private static Command List()
    {
        var json = JsonOption();
        var gateway = GatewayOption();
        var command = new Command("list", "The cluster's sweeps, newest first.") { json, gateway };
        command.SetAction(async (parse, cancel) =>
        {
            await using var cluster = await ClusterConnection.Connect(parse.GetValue(gateway)!, cancel);
            var sweeps = await cluster.Client.GetGrain<ISweepRegistryGrain>(0).List();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(sweeps, WireJson.Options));
                return CliRunner.Ok;
            }
            var table = new Table().Border(TableBorder.Simple);
            foreach (var c in new[] { "id", "name", "state", "created (UTC)", "seeds", "completed", "failed", "running" }) table.AddColumn(c);
            foreach (var s in sweeps)
                table.AddRow(Markup.Escape(s.Id), Markup.Escape(s.Name), s.State.ToString().ToLowerInvariant(), s.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss"),
                    s.Seeds.ToString(), s.Completed.ToString(), s.Failed.ToString(), s.Running.ToString());
            AnsiConsole.Write(table);
            return CliRunner.Ok;
        });
        return command;
    }

    private static Command Cancel()
    {
        var id = IdArgument();
        var gateway = GatewayOption();
        var command = new Command("cancel", "Cancel a sweep: running seeds stop within one step (their last epoch stays in their checkpoint), queued ones never start.") { id, gateway };
        command.SetAction(async (parse, cancel) =>
        {
            await using var cluster = await ClusterConnection.Connect(parse.GetValue(gateway)!, cancel);
            var sweepId = parse.GetValue(id)!;
            var status = await cluster.Client.GetGrain<ISweepGrain>(sweepId).Cancel() ?? throw Unknown(sweepId, cluster);
            Console.WriteLine($"sweep {sweepId}: {status.State.ToString().ToLowerInvariant()}");
            return CliRunner.Ok;
        });
        return command;
    }

    public static async Task<SweepStatus> GetStatus(ClusterConnection cluster, string id) =>
        await cluster.Client.GetGrain<ISweepGrain>(id).GetStatus() ?? throw Unknown(id, cluster);

    public static ClusterException Unknown(string id, ClusterConnection cluster) =>
        new($"no sweep '{id}' on the cluster at {cluster.Gateway} ('singledarts sweep list' shows them)");

    /// <summary>
    /// Polls the coordinator until the sweep ends: a live table on a terminal when asked, else lines.
    /// Up to <see cref="LinePerSeedUpTo"/> seeds, a line whenever a seed starts, finishes an epoch or
    /// ends (queued seeds say nothing; repeats of a first-epoch failure are folded); beyond that a
    /// progress line every <see cref="ProgressEvery"/> (and every failure still, folded). The time
    /// left is estimated once enough epochs are timed. Ctrl+C either cancels the sweep (local mode: the
    /// silo lives in this process) and waits for the seeds to stop, or stops watching.
    /// </summary>
    private static async Task<(SweepStatus Final, bool Interrupted)> Follow(ISweepGrain grain, string id, bool live, CancellationToken cancel,
        bool cancelSweepOnInterrupt, SeedFilter? filter = null)
    {
        var status = await grain.GetStatus() ?? throw new ClusterException($"no sweep '{id}'");
        var interrupted = false;
        var seen = new Dictionary<(string, long, string), (SeedState, int, int, string?)>();
        var failures = new SweepFailures();
        var progress = new SweepProgress(DateTimeOffset.UtcNow, status);
        var perSeed = status.Seeds.Length <= LinePerSeedUpTo;
        var (estimated, lastProgress) = (false, DateTimeOffset.MinValue);
        void PrintChanges(SweepStatus s)
        {
            foreach (var seed in s.Seeds)
            {
                var key = (seed.Method, seed.Seed, seed.Stage);
                var now = (seed.State, seed.EpochsDone, seed.Warnings.Length, seed.Resuming);
                var known = seen.TryGetValue(key, out var before);
                if (known ? before == now : seed.State == SeedState.Queued) continue;
                seen[key] = now;
                if ((perSeed || seed.State == SeedState.Failed) && failures.ShouldPrint(seed)) Console.WriteLine(SweepViews.Line(seed, s.Metrics));
                // warnings as they come (at most the 20 a seed keeps), a line each, on every size of sweep: they are rare and matter
                foreach (var warning in seed.Warnings.Skip(known ? Math.Min(before.Item3, seed.Warnings.Length) : 0))
                    Console.WriteLine($"{seed.Method} seed {seed.Seed.ToString(CultureInfo.InvariantCulture)}{(seed.IsEvaluation ? " evaluation" : "")}: warning: {warning}");
            }
            var at = DateTimeOffset.UtcNow;
            if (!perSeed && at - lastProgress >= ProgressEvery)
            {
                Console.WriteLine(progress.Line(s, at));
                lastProgress = at;
            }
            else if (perSeed && !estimated && s.State == SweepState.Running && progress.Estimate(s, at) is { } estimate)
            {
                Console.Error.WriteLine($"estimate: {estimate}");
                estimated = true;
            }
        }
        async Task Loop(Action<SweepStatus> show)
        {
            while (!Ended(status))
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), interrupted ? CancellationToken.None : cancel);
                }
                catch (OperationCanceledException)
                {
                    interrupted = true;
                    if (!cancelSweepOnInterrupt) return;
                    Console.Error.WriteLine("cancelling the sweep: running seeds stop after their current step");
                    await grain.Cancel();
                }
                status = await grain.GetStatus() ?? status;
                show(status);
            }
        }
        if (live && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            IRenderable View(SweepStatus s) => progress.Estimate(s, DateTimeOffset.UtcNow) is { } estimate
                ? new Rows(SweepViews.Status(s, filter ?? new SeedFilter()), new Text($"estimate: {estimate}"))
                : SweepViews.Status(s, filter ?? new SeedFilter());
            await AnsiConsole.Live(View(status)).AutoClear(true).StartAsync(ctx => Loop(s => ctx.UpdateTarget(View(s))));
        }
        else
        {
            PrintChanges(status);
            await Loop(PrintChanges);
            foreach (var line in failures.FoldedLines()) Console.WriteLine(line);
        }
        return (status, interrupted);
    }

    /// <summary>Sweeps up to this many seeds get a line per seed event; bigger ones progress lines.</summary>
    private const int LinePerSeedUpTo = 50;

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The last lines of a sweep that ended with failed seeds (how many, per method, the first
    /// reason) and its exit code: <see cref="CliRunner.SweepFailed"/> when every seed failed.
    /// </summary>
    private static int EndOf(SweepStatus final)
    {
        if (SweepFailures.Summary(final) is not { } summary) return CliRunner.Ok;
        var all = SweepFailures.AllFailed(final);
        Console.Error.WriteLine($"{(all ? "error" : "warning")}: {summary}");
        return all ? CliRunner.SweepFailed : CliRunner.Ok;
    }

    /// <summary>Ended: not running and no seed still stopping.</summary>
    private static bool Ended(SweepStatus s) => s.State != SweepState.Running && s.Seeds.All(x => x.State.IsFinal());
}
