using System.CommandLine;
using System.Text.Json;
using SingleDarts.Abstractions;
using SingleDarts.Search;
using Spectre.Console;

using SingleDarts.Hosting;

namespace SingleDarts.Cli.Sweeps;

/// <summary><c>singledarts seed show ID METHOD SEED</c>: one seed's state, α and arch history.</summary>
public static class SeedCommand
{
    public static Command Create()
    {
        var id = SweepCommand.IdArgument();
        var method = new Argument<string>("METHOD") { Description = "single, darts-v1 or darts-v2" };
        var seed = new Argument<long>("SEED") { Description = "the seed" };
        var json = SweepCommand.JsonOption();
        var gateway = SweepCommand.GatewayOption();
        var show = new Command("show", "A seed of a sweep: state, softmax(α) per edge, and the epochs at which its cell changed.") { id, method, seed, json, gateway };
        show.SetAction(async (parse, cancel) =>
        {
            await using var cluster = await ClusterConnection.Connect(parse.GetValue(gateway)!, cancel);
            var sweepId = parse.GetValue(id)!;
            var detail = await cluster.Client.GetGrain<ISweepGrain>(sweepId).GetSeed(parse.GetValue(method)!, parse.GetValue(seed));
            if (detail is null)
            {
                await SweepCommand.GetStatus(cluster, sweepId);     // names an unknown sweep
                throw new ClusterException($"sweep '{sweepId}' has no seed {parse.GetValue(method)} {parse.GetValue(seed)}");
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(detail, WireJson.Options));
                return CliRunner.Ok;
            }
            Console.WriteLine(SweepViews.Line(detail.Status, detail.Metrics));
            foreach (var warning in detail.Status.Warnings) Console.WriteLine($"warning: {warning}");
            if (detail.History.LastOrDefault() is { } last)
            {
                AnsiConsole.Write(SweepViews.Alphas(detail, last));
                AnsiConsole.Write(SweepViews.ArchHistory(detail));
            }
            return CliRunner.Ok;
        });
        var command = new Command("seed", "Query one seed of a sweep.");
        command.Subcommands.Add(show);
        return command;
    }
}
