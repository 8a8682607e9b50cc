using System.Diagnostics;
using System.Text.Json.Nodes;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// pandas reads the CSV and JSON exports as they are (<c>pandas.read_csv(path)</c>, <c>pandas.read_json(path)</c>, no options):
/// a column per name with the dtype its values have. Needs python3 with pandas (Debian's python3-pandas; pyarrow, which
/// read_parquet needs, is not assumed); skipped, saying so, where there is none.
/// </summary>
[Trait("Category", "integration")]
public sealed class PandasExportTests
{
    /// <summary>Pythons to try: $SINGLEDARTS_PYTHON, the one on PATH, the system's (a pyenv on PATH may lack pandas).</summary>
    private static readonly string[] Pythons = [.. new[] { Environment.GetEnvironmentVariable("SINGLEDARTS_PYTHON"), "python3", "/usr/bin/python3" }.OfType<string>()];

    private const string Script = """
        import json, sys
        import pandas
        csv = pandas.read_csv(sys.argv[1])
        js = pandas.read_json(sys.argv[2])
        def describe(df):
            return {"rows": len(df), "columns": list(df.columns), "dtypes": {c: str(t) for c, t in df.dtypes.items()},
                    "nulls": {c: int(n) for c, n in df.isna().sum().items()}, "valid_acc_sum": float(df["valid_acc"].sum()),
                    "alarms": int(df["alarm"].sum())}
        print(json.dumps({"pandas": pandas.__version__, "csv": describe(csv), "json": describe(js)}))
        """;

    private static string? PythonWithPandas() => Pythons.FirstOrDefault(p => Run(p, "-c \"import pandas\"").Exit == 0);

    private static (int Exit, string Out, string Err) Run(string python, string args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(python, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var (stdout, stderr) = (process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
            if (!process.WaitForExit(TimeSpan.FromMinutes(2))) process.Kill();
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, "", $"{python}: not found");
        }
    }

    [SkippableFact]
    public async Task Pandas_reads_the_CSV_and_JSON_exports_with_typed_columns()
    {
        var python = PythonWithPandas();
        Skip.If(python is null, $"no python3 with pandas here (tried {string.Join(", ", Pythons)}): the CSV and JSON exports were not read by pandas");
        var (csv, json) = (await ExportFormatTests.Export("csv"), await ExportFormatTests.Export("json"));
        var script = Path.Combine(Tiny.TempDir(), "read.py");
        await File.WriteAllTextAsync(script, Script);
        var (exit, stdout, stderr) = Run(python!, $"{script} {csv} {json}");
        Assert.True(exit == 0, stderr);
        var result = JsonNode.Parse(stdout)!;
        var rows = ExportFixtures.Rows().ToList();
        foreach (var format in new[] { "csv", "json" })
        {
            var df = result[format]!;
            Assert.Equal(rows.Count, (int)df["rows"]!);
            Assert.Equal(ExportFormatTests.Columns, df["columns"]!.AsArray().Select(c => (string)c!));
            var dtypes = df["dtypes"]!;
            foreach (var c in new[] { "seed", "epoch" }) Assert.Equal("int64", (string?)dtypes[c]);
            foreach (var c in new[] { "train_loss", "train_acc", "valid_acc", "test_acc", "lr", "images_per_second", "seconds", "cell.param_free", "alpha.entropy" })
                Assert.True((string?)dtypes[c] == "float64"
                            // read_json's dtype inference narrows a float column whose values are all whole to int64 (dtype=False keeps float64)
                            || (format == "json" && c == "cell.param_free" && (string?)dtypes[c] == "int64"), $"{format} {c}: {dtypes[c]}");
            foreach (var c in new[] { "synthetic_data", "alarm" }) Assert.Equal("bool", (string?)dtypes[c]);
            Assert.Equal(rows.Count, (int)df["nulls"]!["test_acc"]!);                         // missing everywhere: NaN, not a string
            Assert.Equal(rows.Count(r => r.Epoch.ValidAcc is null), (int)df["nulls"]!["valid_acc"]!);
            Assert.Equal(rows.Count(r => r.Epoch.Metric("alpha.entropy") is not { } h || double.IsNaN(h)), (int)df["nulls"]!["alpha.entropy"]!);
            Assert.Equal(rows.Sum(r => r.Epoch.ValidAcc ?? 0), (double)df["valid_acc_sum"]!, 9);
            Assert.Equal(1, (int)df["alarms"]!);
        }
        // read_json turns the *_at columns into times by their names; read_csv leaves them as ISO text (parse_dates= converts them)
        Assert.StartsWith("datetime64[ns", (string?)result["json"]!["dtypes"]!["started_at"]);
    }
}
