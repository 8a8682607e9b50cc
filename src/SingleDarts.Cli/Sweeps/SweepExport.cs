using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CsvHelper;
using SingleDarts.Abstractions;
using SingleDarts.Search;
using SingleDarts.Search.Runs;

namespace SingleDarts.Cli.Sweeps;

/// <summary>
/// <c>sweep export</c>: every seed's every epoch as CSV (evaluation-stage rows with stage=evaluate and
/// their test accuracy), or the whole sweep as JSON. Histories live
/// with the seeds, so they are fetched from them a window at a time and written as they come: the
/// export of a sweep of any size holds a few dozen seeds in memory.
/// </summary>
public static class SweepExport
{
    private const int Window = 32;

    public static Command Create()
    {
        var id = SweepCommand.IdArgument();
        var format = new Option<string>("--format") { Description = "csv (a row per seed and epoch) or json (status, aggregates and every seed's history)", DefaultValueFactory = _ => "csv" }
            .AcceptOnlyFromAmong("csv", "json");
        var output = new Option<string>("--out", "-o") { Description = "the file to write", Required = true };
        var gateway = SweepCommand.GatewayOption();
        var command = new Command("export", "Export a sweep's results.") { id, format, output, gateway };
        command.SetAction(async (parse, cancel) =>
        {
            var path = Path.GetFullPath(parse.GetValue(output)!);
            OutputPaths.WritableFile("--out", path);
            await using var cluster = await ClusterConnection.Connect(parse.GetValue(gateway)!, cancel);
            var sweepId = parse.GetValue(id)!;
            var status = await SweepCommand.GetStatus(cluster, sweepId);
            var grain = cluster.Client.GetGrain<ISweepGrain>(sweepId);
            var seeds = Details(grain, status, cancel);
            if (parse.GetValue(format) == "json") await WriteJson(path, status, seeds, cancel);
            else await WriteCsv(path, status, seeds);
            Console.WriteLine($"wrote {path}");
            return CliRunner.Ok;
        });
        return command;
    }

    /// <summary>Every seed's detail (status and history) in the sweep's order, fetched <see cref="Window"/> at a time.</summary>
    internal static async IAsyncEnumerable<SeedDetail> Details(ISweepGrain grain, SweepStatus status, [EnumeratorCancellation] CancellationToken cancel)
    {
        foreach (var window in status.Seeds.Chunk(Window))
        {
            cancel.ThrowIfCancellationRequested();
            var details = await Task.WhenAll(window.Select(async s => await grain.GetSeedStage(s.Method, s.Seed, s.Stage) ?? new SeedDetail { Status = s }));
            foreach (var detail in details) yield return detail;
        }
    }

    private static async Task WriteJson(string path, SweepStatus status, IAsyncEnumerable<SeedDetail> seeds, CancellationToken cancel)
    {
        await using var file = File.Create(path);
        await using (var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true, Encoder = Json.Options.Encoder }))
        {
            json.WriteStartObject();
            json.WritePropertyName("sweep");
            JsonSerializer.Serialize(json, status, Json.Options);
            json.WriteStartArray("seeds");
            await foreach (var seed in seeds)
            {
                JsonSerializer.Serialize(json, seed, Json.Options);
                await json.FlushAsync(cancel);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        await file.WriteAsync("\n"u8.ToArray(), cancel);
    }

    private static async Task WriteCsv(string path, SweepStatus status, IAsyncEnumerable<SeedDetail> seeds)
    {
        await using var writer = new StreamWriter(path);
        await using var csv = CsvWriter.Create(writer, options: null, leaveOpen: false);
        csv.WriteHeader(["sweep", "method", "seed", "state", "silo", "epoch", "train_loss", "train_acc", "valid_acc", "lr",
            "param_free_share", "alpha_entropy", "images_per_second", "nb201_acc", "nb201_rank", "seconds", "arch", "space", "param_free_edges", "skip_connects", "stage", "test_acc"]);
        await foreach (var seed in seeds)
            foreach (var e in seed.History)
            {
                var s = seed.Status;
                object?[] row = [status.Id, s.Method, s.Seed, s.State.ToString().ToLowerInvariant(), s.Silo, e.Epoch, e.TrainLoss, e.TrainAcc,
                    e.ValidAcc, e.Lr, e.ParamFreeShare, e.AlphaEntropy, e.ImagesPerSecond, e.Nb201Acc, e.Nb201Rank, e.Seconds, e.Arch,
                    seed.Space, e.ParamFreeEdges, e.SkipConnects, s.Stage, e.TestAcc];
                foreach (var v in row) csv.WriteField(v);
                csv.EndRecord();
            }
    }
}
