using System.CommandLine;
using System.Text.Json;
using SingleDarts.Hosting.Dashboards;

namespace SingleDarts.Cli;

/// <summary><c>singledarts dashboard</c>: the Grafana dashboard for every metric this build (and its plug-ins) declares.</summary>
public static class DashboardCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--out", "-o") { Description = "the file to write (default: stdout); deploy/grafana/dashboards/singledarts.json is this command's output" };
        var command = new Command("dashboard", "Write the Grafana dashboard: the panels every sweep has, and a mean ± std and a per-seed panel for every declared per-epoch metric.") { output };
        command.SetAction(parse =>
        {
            var json = GrafanaDashboard.Build(GrafanaDashboard.Declared()).ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
            if (parse.GetValue(output) is { } path)
            {
                OutputPaths.WritableFile("--out", path);
                File.WriteAllText(path, json);
                Console.WriteLine($"wrote {Path.GetFullPath(path)}");
            }
            else Console.Write(json);
            return CliRunner.Ok;
        });
        return command;
    }
}
