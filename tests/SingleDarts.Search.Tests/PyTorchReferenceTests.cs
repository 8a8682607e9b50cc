using System.Collections.Specialized;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using SingleDarts.Search.Checkpoints;
using TorchSharp.PyBridge;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>
/// PyTorch's side: where a python3 with torch is installed, our file loads (load_state_dict, strict) into our own
/// PyTorch definition of the network under the reference names (PyTorch/reference_nets.py) and gives our logits.
/// Skipped, saying so, where there is none (CI has no torch); $SINGLEDARTS_PYTHON names another interpreter.
/// </summary>
[Trait("Category", "integration")]
public sealed class PyTorchReferenceTests(ITestOutputHelper output)
{
    private static readonly Lazy<string?> Python = new(FindPython);

    private static string? FindPython()
    {
        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("SINGLEDARTS_PYTHON"), "python3", "/usr/bin/python3" })
        {
            if (string.IsNullOrEmpty(candidate)) continue;
            try
            {
                if (Run(candidate, ["-c", "import torch"]).ExitCode == 0) return candidate;
            }
            catch (Win32Exception)
            {
                // not installed under that name
            }
        }
        return null;
    }

    private static (int ExitCode, string Output) Run(string python, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) process.Kill();
        return (process.ExitCode, stdout + stderr.Result);
    }

    [SkippableTheory]
    [InlineData("darts")]
    [InlineData("nb201")]
    public void PyTorch_loads_the_file_into_a_reference_named_network_that_computes_our_logits(string space)
    {
        Skip.If(Python.Value is null, "no python3 with torch here (tried $SINGLEDARTS_PYTHON, python3, /usr/bin/python3): PyTorch's side of the state_dict files is not checked");
        var net = TinyNets.Of(space);
        var dir = Tiny.TempDir();
        var model = Path.Combine(dir, "model.pt");
        var batch = Path.Combine(dir, "batch.pt");
        using var network = net.Build(seed: 3);
        net.RunningStatistics(network);
        PyTorchStateDict.Write(network, batchesTracked: 2, model);
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            var input = net.Input(seed: 4);
            var logits = network.Forward(input).Logits;
            using var stream = File.Create(batch);
            PyTorchPickler.PickleStateDict(stream, new OrderedDictionary { ["input"] = input, ["logits"] = logits });
        }

        var (exit, text) = Run(Python.Value!, [TinyNets.ScriptPath, space, $"{net.Channels}", $"{net.Cells}", $"{TinyNets.Classes}",
            net.Auxiliary ? "1" : "0", net.Genotype, model, batch]);
        output.WriteLine(text);
        Assert.True(exit == 0, $"reference_nets.py exited {exit}: {text}");
        var diff = double.Parse(text.Split("max_abs_diff ")[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.InRange(diff, 0, 1e-5);
    }
}
