using System.Text.Json;
using SingleDarts.Abstractions;
using SingleDarts.Search;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Reports;

/// <summary>What a report is made of: a sweep's status and every seed's detail (history included), live or from an export.</summary>
public sealed record ReportInput(SweepStatus Sweep, IReadOnlyList<SeedDetail> Seeds)
{
    /// <summary>The file <c>sweep export --format json</c> writes: <c>{"sweep": …, "seeds": […]}</c>.</summary>
    /// <exception cref="ReportException">the file is missing or is not such an export.</exception>
    public static ReportInput FromExport(string path)
    {
        if (!File.Exists(path)) throw new ReportException($"{path}: no such file");
        try
        {
            using var stream = File.OpenRead(path);
            var doc = JsonDocument.Parse(stream);
            if (!doc.RootElement.TryGetProperty("sweep", out var sweep) || !doc.RootElement.TryGetProperty("seeds", out var seeds))
                throw new ReportException($"{path}: not a sweep export (expected \"sweep\" and \"seeds\"; write one with `sweep export ID --format json`)");
            var status = sweep.Deserialize<SweepStatus>(Json.Options) ?? throw new ReportException($"{path}: empty \"sweep\"");
            var details = seeds.Deserialize<SeedDetail[]>(Json.Options) ?? [];
            return new ReportInput(status, details);
        }
        catch (JsonException ex)
        {
            throw new ReportException($"{path}: not valid JSON of a sweep export ({ex.Message})");
        }
    }

    /// <summary>The sweep's search space (the seeds', else NAS-Bench-201 for records written before spaces were named).</summary>
    public ISearchSpace Space => SearchSpaces.TryGet(Seeds.FirstOrDefault(s => s.Space.Length > 0)?.Space ?? Sweep.Seeds.FirstOrDefault()?.Space ?? "", out var s)
        ? s : Nb201Space.Instance;

    public IEnumerable<SeedDetail> Searches(string method) => Seeds.Where(s => s.Status.Method == method && !s.Status.IsEvaluation);

    public IEnumerable<SeedDetail> Evaluations(string method) => Seeds.Where(s => s.Status.Method == method && s.Status.IsEvaluation);
}

/// <summary>A report cannot be made (a bad input file, an output folder that cannot be written).</summary>
public sealed class ReportException(string message) : Exception(message);
