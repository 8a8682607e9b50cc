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
public static partial class SweepCommand
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
            Description = "when the command follows the sweep to its end (--local or --watch): write its stability report into this folder, " +
                          "with the sweep's whole export beside it (sweep.json, what `singledarts report` reads), or 'off'",
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
            if (status.SyntheticData) Console.Error.WriteLine(SyntheticData.Line);
            if (!isLocal && !parse.GetValue(watch))
            {
                Console.WriteLine(sweepId);
                return CliRunner.Ok;
            }
            // a local sweep whose state outlives the process (--state-folder, or Azure Storage) is stopped, not cancelled, by Ctrl+C or
            // SIGTERM (a shutdown, a container stop, the end of a session): the same command continues it; `sweep cancel` cancels it
            var durable = isLocal && (parse.GetValue(stateFolder) is not null || parse.GetValue(storage) == "azure");
            var (final, interrupted) = await Follow(grain, sweepId, live: parse.GetValue(watch), cancel, cancelSweepOnInterrupt: isLocal && !durable);
            if (interrupted && durable)
            {
                Console.Error.WriteLine($"stopped: sweep {sweepId} keeps its state and checkpoints; the same command continues it (`sweep cancel {sweepId}` on its gateway cancels it)");
                return CliRunner.Cancelled;
            }
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

    public static async Task<SweepStatus> GetStatus(ClusterConnection cluster, string id) =>
        await cluster.Client.GetGrain<ISweepGrain>(id).GetStatus() ?? throw Unknown(id, cluster);

    public static ClusterException Unknown(string id, ClusterConnection cluster) =>
        new($"no sweep '{id}' on the cluster at {cluster.Gateway} ('singledarts sweep list' shows them)");
}
