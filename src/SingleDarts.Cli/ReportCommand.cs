using System.CommandLine;
using SingleDarts.Abstractions;
using SingleDarts.Cli.Sweeps;
using SingleDarts.Reports;

using SingleDarts.Search;
using SingleDarts.Search.IO;
using SingleDarts.Search.Options;

using SingleDarts.Hosting;

namespace SingleDarts.Cli;

/// <summary><c>singledarts report EXPORT.json -o DIR</c> (offline) and <c>singledarts sweep report ID -o DIR</c> (through the gateway, running or finished).</summary>
public static class ReportCommand
{
    private static Option<string> Output() => new("--out", "-o") { Description = "the report's folder (report.html, figures/*.png and *.svg)", Required = true };

    private static Option<int> Resamples() => new("--resamples")
    {
        Description = "bootstrap resamples per comparison (at least 10,000)", DefaultValueFactory = _ => Comparison.DefaultResamples,
    };

    public static Command Create()
    {
        var export = new Argument<string>("EXPORT") { Description = "a sweep's whole export (`sweep export ID --format full -o FILE`)" };
        var output = Output();
        var resamples = Resamples();
        var command = new Command("report", "Write the stability report of a sweep from its whole export (`sweep export ID --format full`): one self-contained report.html and the figures as PNG and SVG.")
        {
            export, output, resamples,
        };
        command.SetAction(parse =>
        {
            var created = OutputPaths.FirstMissing(parse.GetValue(output)!);
            return OutputPaths.RemoveCreatedOnFailure(created, () =>
            {
                OutputPaths.WritableFolder("--out", parse.GetValue(output)!);
                var input = ReportInput.FromExport(Path.GetFullPath(parse.GetValue(export)!), InputLimits.ExportBytes, InputLimits.NestingDepth);
                return Write(Completed(input), parse.GetValue(output)!, parse.GetValue(resamples));
            });
        });
        return command;
    }

    public static Command CreateForSweep()
    {
        var id = SweepCommand.IdArgument();
        var output = Output();
        var resamples = Resamples();
        var gateway = SweepCommand.GatewayOption();
        var command = new Command("report", "Write the stability report of a running or finished sweep: one self-contained report.html and the figures as PNG and SVG.")
        {
            id, output, resamples, gateway,
        };
        command.SetAction(async (parse, cancel) =>
        {
            OutputPaths.WritableFolder("--out", parse.GetValue(output)!);
            await using var cluster = await ClusterConnection.Connect(parse.GetValue(gateway)!, cancel);
            var sweepId = parse.GetValue(id)!;
            var status = await SweepCommand.GetStatus(cluster, sweepId);
            return Write(await Input(cluster.Client.GetGrain<ISweepGrain>(sweepId), status, cancel), parse.GetValue(output)!, parse.GetValue(resamples));
        });
        return command;
    }

    private static async Task<ReportInput> Input(ISweepGrain grain, SweepStatus status, CancellationToken cancel) =>
        Completed(await Fetch(grain, status, cancel));

    private static async Task<ReportInput> Fetch(ISweepGrain grain, SweepStatus status, CancellationToken cancel)
    {
        var details = new List<SeedDetail>();
        await foreach (var detail in SweepExport.Details(grain, status, cancel)) details.Add(detail);
        return new ReportInput(status, details);
    }

    /// <summary>The whole export written next to the end-of-sweep report, which <c>singledarts report</c> reads again.</summary>
    public const string ExportFile = "sweep.json";

    /// <summary>What a sweep of an earlier version did not record but this version derives (the hosting library's <see cref="OlderSweeps"/>).</summary>
    private static ReportInput Completed(ReportInput input) =>
        OlderSweeps.Complete(input.Sweep, input.Seeds) is var (sweep, seeds) ? new ReportInput(sweep, seeds) : input;

    /// <summary>The report at the end of <c>sweep start</c>: written and its path printed; a report that cannot be written is a warning, never the sweep's failure.</summary>
    public static async Task WriteReport(ISweepGrain grain, SweepStatus final, string output, CancellationToken cancel)
    {
        var folder = Path.GetFullPath(output);
        ReportInput fetched;
        try
        {
            fetched = await Fetch(grain, final, cancel);
            Console.WriteLine($"report: {StabilityReport.Write(Completed(fetched), folder)}");
        }
        catch (Exception ex) when (ex is ReportException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: the stability report was not written: {ex.Message}");
            return;
        }
        // the whole export goes with it: a local sweep's state is gone (or needs its silo) once the command ends, and the
        // export is what re-renders the report (`singledarts report DIR/sweep.json`) and what pandas and other tools read
        var export = Path.Combine(folder, ExportFile);
        try
        {
            await SweepExport.Write(export, "full", final, fetched.Seeds.ToAsyncEnumerable(), cancel);
            Console.WriteLine($"export: {export}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(export);        // a truncated export must not pass for the sweep's
            }
            catch (Exception inner) when (inner is IOException or UnauthorizedAccessException)
            {
            }
            Console.Error.WriteLine($"warning: the sweep's export was not written next to its report: {ex.Message}");
        }
    }

    private static int Write(ReportInput input, string output, int resamples)
    {
        if (resamples < Comparison.DefaultResamples) throw new SearchConfigException($"--resamples must be at least {Comparison.DefaultResamples:N0}, got {resamples}");
        var path = StabilityReport.Write(input, Path.GetFullPath(output), new ReportOptions { Resamples = resamples });
        Console.WriteLine($"report: {path}");
        return CliRunner.Ok;
    }
}
