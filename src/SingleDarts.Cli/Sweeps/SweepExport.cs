using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CsvHelper;
using SingleDarts.Abstractions;
using SingleDarts.Search;
using SingleDarts.Search.Runs;

namespace SingleDarts.Cli.Sweeps;

/// <summary><c>sweep export</c>: every seed's every epoch as CSV, or the whole sweep as JSON.</summary>
public static class SweepExport
{
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
            await using var cluster = await ClusterConnection.Connect(parse.GetValue(gateway)!, cancel);
            var sweepId = parse.GetValue(id)!;
            var status = await SweepCommand.GetStatus(cluster, sweepId);
            var grain = cluster.Client.GetGrain<ISweepGrain>(sweepId);
            var seeds = new List<SeedDetail>();
            foreach (var s in status.Seeds) seeds.Add(await grain.GetSeed(s.Method, s.Seed) ?? new SeedDetail { Status = s });
            var path = Path.GetFullPath(parse.GetValue(output)!);
            var dir = Path.GetDirectoryName(path)!;
            if (!Directory.Exists(dir)) throw new SearchConfigException($"--out: no such folder: {dir}");
            if (parse.GetValue(format) == "json")
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new { sweep = status, seeds }, Json.Options) + "\n", cancel);
            else
                WriteCsv(path, status, seeds);
            Console.WriteLine($"wrote {path}");
            return CliRunner.Ok;
        });
        return command;
    }

    private static void WriteCsv(string path, SweepStatus status, IEnumerable<SeedDetail> seeds)
    {
        using var writer = new StreamWriter(path);
        using var csv = CsvWriter.Create(writer, options: null, leaveOpen: false);
        csv.WriteHeader(["sweep", "method", "seed", "state", "silo", "epoch", "train_loss", "train_acc", "valid_acc", "lr",
            "param_free_share", "alpha_entropy", "images_per_second", "nb201_acc", "nb201_rank", "seconds", "arch"]);
        foreach (var seed in seeds)
            foreach (var e in seed.History)
            {
                var s = seed.Status;
                object?[] row = [status.Id, s.Method, s.Seed, s.State.ToString().ToLowerInvariant(), s.Silo, e.Epoch, e.TrainLoss, e.TrainAcc,
                    e.ValidAcc, e.Lr, e.ParamFreeShare, e.AlphaEntropy, e.ImagesPerSecond, e.Nb201Acc, e.Nb201Rank, e.Seconds, e.Arch];
                foreach (var v in row) csv.WriteField(v);
                csv.EndRecord();
            }
    }
}
