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

/// <summary>The sweep commands that ask a cluster: status, watch, list, cancel.</summary>
public static partial class SweepCommand
{
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
            if ((await GetStatus(cluster, sweepId)).SyntheticData) Console.Error.WriteLine(SyntheticData.Line);
            var (final, interrupted) = await Follow(cluster.Client.GetGrain<ISweepGrain>(sweepId), sweepId, live: true, cancel, cancelSweepOnInterrupt: false, seeds);
            AnsiConsole.Write(SweepViews.Stability(final));
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
}
