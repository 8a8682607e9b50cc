using System.CommandLine;
using SingleDarts.Cli;
using SingleDarts.Cli.Sweeps;

// Tables written to a file or pipe are not cut to 80 columns, nor padded with trailing spaces.
TrimmedLines.UseWhenRedirected();

var root = new RootCommand("SingleDarts: stable differentiable architecture search — Single-DARTS next to DARTS-V1/V2 — on TorchSharp.")
{
    SearchCommand.Create(),
    EvaluateCommand.Create(),
    ReportCommand.Create(),
    BenchCommand.Create(),
    Nb201Command.Create(),
    DataCommand.Create(),
    SweepCommand.Create(),
    SeedCommand.Create(),
    DashboardCommand.Create(),
};
return CliRunner.Run(root, args);
