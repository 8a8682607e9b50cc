using System.Diagnostics;

namespace SingleDarts.Search.Tests;

/// <summary>Runs the built <c>singledarts</c> (copied next to the tests) as a child process.</summary>
internal static class CliProcess
{
    public static (int Exit, string[] Out, string Err) Run(string args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "singledarts.dll");
        var psi = new ProcessStartInfo("dotnet", $"\"{dll}\" {args}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), "singledarts did not finish");
        return (p.ExitCode, stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries), stderr.Result);
    }
}
