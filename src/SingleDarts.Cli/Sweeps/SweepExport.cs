using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using SingleDarts.Abstractions;
using SingleDarts.Hosting;
using SingleDarts.Search;

namespace SingleDarts.Cli.Sweeps;

/// <summary>
/// <c>sweep export</c>: the tidy table — a row per seed, stage and epoch (<see cref="ExportTable"/>) — as CSV, JSON records or
/// Parquet, which pandas reads as they are; or the whole sweep as one JSON document (<c>full</c>: status, declarations,
/// aggregates, every seed's history with α), what <c>singledarts report</c> reads. Histories live with the seeds, so they are
/// fetched from them a window at a time and written as they come: the export of a sweep of any size holds a few dozen seeds in memory.
/// </summary>
public static class SweepExport
{
    private const int Window = 32;

    public static Command Create()
    {
        var id = SweepCommand.IdArgument();
        var format = new Option<string>("--format")
        {
            Description = "csv, json or parquet (a row per seed, stage and epoch: pandas.read_csv/read_json/read_parquet read it as it is), " +
                          "or full (one JSON document: status, metric declarations, aggregates, every seed's history with α; what `singledarts report` reads)",
            DefaultValueFactory = _ => "csv",
        }.AcceptOnlyFromAmong(Formats);
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

    /// <summary>The export's formats: the tidy table's three, then the whole sweep.</summary>
    public static readonly string[] Formats = ["csv", "json", "parquet", "full"];

    /// <summary>Writes the export of <paramref name="status"/>'s sweep as <paramref name="format"/> (one of <see cref="Formats"/>), the seeds' histories fetched from <paramref name="grain"/>.</summary>
    public static Task Write(string path, string format, SweepStatus status, ISweepGrain grain, CancellationToken cancel) =>
        Write(path, format, status, Details(grain, status, cancel), cancel);

    /// <summary>Writes <paramref name="seeds"/> (in the sweep's order) as <paramref name="format"/>.</summary>
    public static Task Write(string path, string format, SweepStatus status, IAsyncEnumerable<SeedDetail> seeds, CancellationToken cancel) => format switch
    {
        "csv" => ExportWriters.Csv(path, status, seeds),
        "json" => ExportWriters.JsonRecords(path, status, seeds, cancel),
        "parquet" => ExportWriters.Parquet(path, status, seeds, cancel),
        "full" => WriteFull(path, status, seeds, cancel),
        _ => throw new ArgumentException($"--format: expected one of {string.Join(", ", Formats)}, got {format}", nameof(format)),
    };

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

    private static async Task WriteFull(string path, SweepStatus status, IAsyncEnumerable<SeedDetail> seeds, CancellationToken cancel)
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
}
