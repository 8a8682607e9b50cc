using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CsvHelper;
using SingleDarts.Abstractions;
using SingleDarts.Hosting;
using SingleDarts.Search;

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
            await Write(path, parse.GetValue(format)!, status, cluster.Client.GetGrain<ISweepGrain>(sweepId), cancel);
            Console.WriteLine($"wrote {path}");
            return CliRunner.Ok;
        });
        return command;
    }

    /// <summary>Writes the export of <paramref name="status"/>'s sweep as <paramref name="format"/> (csv or json), the seeds' histories fetched from <paramref name="grain"/>.</summary>
    public static Task Write(string path, string format, SweepStatus status, ISweepGrain grain, CancellationToken cancel) => format == "json"
        ? WriteJson(path, status, Details(grain, status, cancel), cancel)
        : WriteCsv(path, status, Details(grain, status, cancel));

    /// <summary>Every seed's detail (status and history) in the sweep's order, fetched <see cref="Window"/> at a time.</summary>
    public static async IAsyncEnumerable<SeedDetail> Details(ISweepGrain grain, SweepStatus status, [EnumeratorCancellation] CancellationToken cancel)
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
        await using (var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true, Encoder = WireJson.Options.Encoder }))
        {
            json.WriteStartObject();
            json.WritePropertyName("sweep");
            JsonSerializer.Serialize(json, status, WireJson.Options);
            json.WriteStartArray("seeds");
            await foreach (var seed in seeds)
            {
                JsonSerializer.Serialize(json, seed, WireJson.Options);
                await json.FlushAsync(cancel);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        await file.WriteAsync("\n"u8.ToArray(), cancel);
    }

    /// <summary>The CSV's columns: what every epoch has, then one per declared metric (its key), in declaration order.</summary>
    public static IReadOnlyList<string> Columns(SweepStatus status) =>
    [
        "sweep", "method", "seed", "stage", "state", "silo", "space", "epoch", "train_loss", "train_acc", "valid_acc", "test_acc", "lr",
        "images_per_second", "seconds", "arch", .. status.Metrics.Select(m => m.Key),
    ];

    private static async Task WriteCsv(string path, SweepStatus status, IAsyncEnumerable<SeedDetail> seeds)
    {
        await using var writer = new StreamWriter(path);
        await using var csv = CsvWriter.Create(writer, options: null, leaveOpen: false);
        csv.WriteHeader([.. Columns(status)]);
        await foreach (var seed in seeds)
            foreach (var e in seed.History)
            {
                var s = seed.Status;
                object?[] row =
                [
                    status.Id, s.Method, s.Seed, s.Stage, s.State.ToString().ToLowerInvariant(), s.Silo, seed.Space, e.Epoch, e.TrainLoss, e.TrainAcc,
                    e.ValidAcc, e.TestAcc, e.Lr, e.ImagesPerSecond, e.Seconds, e.Arch, .. status.Metrics.Select(m => (object?)e.Metric(m.Key)),
                ];
                foreach (var v in row) csv.WriteField(v);
                csv.EndRecord();
            }
    }
}
