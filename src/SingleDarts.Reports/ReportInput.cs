using System.Text.Json;
using SingleDarts.Abstractions;

namespace SingleDarts.Reports;

/// <summary>What a report is made of: a sweep's status and every seed's detail (history included), live or from an export.</summary>
public sealed record ReportInput(SweepStatus Sweep, IReadOnlyList<SeedDetail> Seeds)
{
    /// <summary>The file <c>sweep export --format full</c> writes (<c>--format json</c> before the tidy table took that name): <c>{"sweep": …, "seeds": […]}</c>.</summary>
    /// <param name="maxBytes">the largest file read (the CLI's input limits).</param>
    /// <param name="maxDepth">how deep objects and arrays may nest.</param>
    /// <exception cref="ReportException">the file is missing, beyond a limit or is not such an export.</exception>
    public static ReportInput FromExport(string path, long maxBytes, int maxDepth)
    {
        if (Directory.Exists(path)) throw new ReportException($"{path} is a folder; name a file written by `sweep export ID --format full`");
        if (!File.Exists(path)) throw new ReportException($"{path}: no such file");
        if (new FileInfo(path).Length is var length && length > maxBytes)
            throw new ReportException($"{path}: {length:N0} bytes is more than an export may have ({maxBytes:N0} bytes; see docs/troubleshooting.md, \"Input limits\")");
        try
        {
            using var stream = File.OpenRead(path);
            var doc = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = maxDepth });
            if (doc.RootElement.ValueKind == JsonValueKind.Array)
                throw new ReportException($"{path}: the table export (`--format json`, a record per seed and epoch), which holds no α or metric declarations; " +
                                          "the report reads the whole sweep: `sweep export ID --format full -o FILE`");
            if (!doc.RootElement.TryGetProperty("sweep", out var sweep) || !doc.RootElement.TryGetProperty("seeds", out var seeds))
                throw new ReportException($"{path}: not a sweep export (expected \"sweep\" and \"seeds\"; write one with `sweep export ID --format full`)");
            var status = sweep.Deserialize<SweepStatus>(WireJson.Options) ?? throw new ReportException($"{path}: empty \"sweep\"");
            var details = seeds.Deserialize<SeedDetail[]>(WireJson.Options) ?? [];
            return new ReportInput(status, OlderExport.KeepNumbers(seeds, details));
        }
        catch (JsonException ex) when (ex.Message.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            throw new ReportException($"{path}: line {ex.LineNumber + 1}: more than {maxDepth} levels of nested objects and arrays (the limit; see docs/troubleshooting.md, \"Input limits\")");
        }
        catch (JsonException ex)
        {
            throw new ReportException($"{path}: not valid JSON of a sweep export ({ex.Message})");
        }
    }

    /// <summary>The sweep's search space, as the status describes it.</summary>
    public SpaceInfo Space => Sweep.Space;

    /// <summary>The declared metrics that some seed has a value of, headline ones first.</summary>
    public IReadOnlyList<MetricInfo> Metrics =>
        [.. Sweep.Metrics.Where(m => Seeds.Any(s => s.History.Any(h => h.Metrics.ContainsKey(m.Key)))).OrderBy(m => m.Headline ? 0 : 1)];

    public IEnumerable<SeedDetail> Searches(string method) => Seeds.Where(s => s.Status.Method == method && !s.Status.IsEvaluation);

    public IEnumerable<SeedDetail> Evaluations(string method) => Seeds.Where(s => s.Status.Method == method && s.Status.IsEvaluation);

    /// <summary>The last epoch of a completed seed (its history's, else its status').</summary>
    public static EpochSummary? Final(SeedDetail seed) =>
        seed.Status.State == SeedState.Completed ? seed.History.LastOrDefault() ?? seed.Status.Last : null;
}

/// <summary>A report cannot be made (a bad input file, an output folder that cannot be written).</summary>
public sealed class ReportException(string message) : Exception(message);
