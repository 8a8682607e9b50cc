using System.CommandLine;
using SingleDarts.Search.Runs;

namespace SingleDarts.Cli;

/// <summary>
/// <c>singledarts evaluate export RUN_DIR [-o FILE]</c>: an evaluation's trained network, from its newest checkpoint,
/// as a PyTorch state_dict file with the reference implementation's names (what a finished <c>evaluate</c> writes itself).
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var runDir = new Argument<string>("RUN_DIR") { Description = "an evaluation's run folder (evaluate --out)" };
        var output = new Option<string?>("--out", "-o") { Description = $"the .pt file to write (default: RUN_DIR/{EvalExport.FileName})" };
        var command = new Command("export", "Write an evaluation's network, from its newest checkpoint, as a PyTorch state_dict (.pt) with the reference code's names: NetworkCIFAR (darts) or TinyNetwork (nb201).");
        command.Arguments.Add(runDir);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var exported = EvalExport.FromFolder(parse.GetValue(runDir)!, parse.GetValue(output));
            Console.WriteLine($"from {exported.Checkpoint} (epoch {exported.Epoch})");
            Report(exported);
            return CliRunner.Ok;
        });
        return command;
    }

    /// <summary>Where the file went, and the line of Python that builds the reference model it loads into.</summary>
    public static void Report(ExportedModel exported)
    {
        Console.WriteLine($"state_dict: {exported.Path} ({exported.Entries} entries, {exported.Weights:N0} trainable weights in all)");
        Console.WriteLine($"reference model: {exported.ReferenceModel}");
    }
}
