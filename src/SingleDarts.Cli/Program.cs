using System.CommandLine;
using SingleDarts.Cli;

var root = new RootCommand("SingleDarts: stable differentiable architecture search — Single-DARTS next to DARTS-V1/V2 — on TorchSharp.")
{
    SearchCommand.Create(),
    BenchCommand.Create(),
    Nb201Command.Create(),
};
return CliRunner.Run(root, args);
