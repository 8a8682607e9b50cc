using System.Globalization;
using System.Net;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using SingleDarts.Abstractions;

namespace SingleDarts.Reports;

/// <summary>The report's HTML, written so that a strict parser accepts it (every value escaped, every element closed).</summary>
internal sealed class ReportHtml(ReportInput input, ReportOptions options)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly StringBuilder body = new();

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(double v, string format = "F2") => v.ToString(format, Inv);

    public void Heading(int level, string text) => body.Append(Inv, $"<h{level}>{E(text)}</h{level}>\n");

    public void Paragraph(string text, string? cssClass = null) =>
        body.Append(cssClass is null ? $"<p>{E(text)}</p>\n" : $"<p class=\"{E(cssClass)}\">{E(text)}</p>\n");

    public void Figure(byte[] png, string name, string caption) => body.Append(Inv,
        $"<figure><img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" alt=\"{E(caption)}\" />" +
        $"<figcaption>{E(caption)} <a href=\"figures/{name}.png\">PNG</a> · <a href=\"figures/{name}.svg\">SVG</a></figcaption></figure>\n");

    /// <summary>A table of values, each cell escaped.</summary>
    public void Table(IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows, string? note = null)
    {
        body.Append("<table><thead><tr>");
        foreach (var h in header) body.Append(Inv, $"<th>{E(h)}</th>");
        body.Append("</tr></thead><tbody>\n");
        foreach (var row in rows)
        {
            body.Append("<tr>");
            foreach (var cell in row) body.Append(Inv, $"<td>{E(cell)}</td>");
            body.Append("</tr>\n");
        }
        body.Append("</tbody></table>\n");
        if (note is not null) body.Append(Inv, $"<p class=\"note\">{E(note)}</p>\n");
    }

    public void ComparisonTable(ReportMetric metric, string[] methods, Func<string, List<double>> values)
    {
        body.Append(Inv, $"<h3>{E(metric.Heading)}</h3>\n<p class=\"note\">{E(metric.BetterText)}</p>\n");
        Table(["method", "n", "mean ± std", "median", "min – max"], methods.Select(m => values(m) is { Count: > 0 } v
            ? new[] { m, v.Count.ToString(Inv), $"{F(v.Average())} ± {F(ReportPlots.Std(v))}", F(Median(v)), $"{F(v.Min())} – {F(v.Max())}" }
            : [m, "0", "–", "–", "–"]));
        if (methods.Length < 2) return;
        // one seed (or none) per method, e.g. a first look at many methods: every pair would say the same "too few seeds"
        if (methods.All(m => values(m).Count < 2))
        {
            body.Append(Inv, $"<p class=\"note\">{E($"At most one seed per method: no difference between methods is estimated (that needs at least 2 seeds per method, a conclusion {options.MinSeedsToConclude}); the table above describes these seeds only.")}</p>\n");
            return;
        }
        body.Append(Inv, $"<table><thead><tr><th>A − B</th><th>n (A, B)</th><th>mean A</th><th>mean B</th><th>difference [95 % bootstrap CI]</th>" +
                         $"<th>Welch's t-test</th><th>Cliff's δ</th><th>what it says</th></tr></thead><tbody>\n");
        for (var i = 0; i < methods.Length; i++)
            for (var j = i + 1; j < methods.Length; j++)
            {
                var (a, b) = (values(methods[i]), values(methods[j]));
                var pair = $"{methods[i]} − {methods[j]}";
                if (a.Count == 0 || b.Count == 0)
                {
                    body.Append(Inv, $"<tr><td>{E(pair)}</td><td>{a.Count}, {b.Count}</td><td colspan=\"6\">{E("a method has no completed seed with this value")}</td></tr>\n");
                    continue;
                }
                var ci = Comparison.BootstrapMeanDifference(a, b, options.Resamples, options.BootstrapSeed);
                var welch = Comparison.Welch(a, b);
                var delta = Comparison.CliffsDelta(a, b);
                body.Append(Inv, $"<tr><td>{E(pair)}</td><td>{a.Count}, {b.Count}</td><td>{F(a.Average())}</td><td>{F(b.Average())}</td>" +
                                 $"<td>{F(ci.Estimate)} [{F(ci.Low)}, {F(ci.High)}]</td>" +
                                 $"<td>{E(welch is null ? "n/a (fewer than 2 values or no variance)" : $"t = {F(welch.T)}, df = {F(welch.DegreesOfFreedom, "F1")}, p = {P(welch.P)}")}</td>" +
                                 $"<td>{F(delta)} ({Comparison.Magnitude(delta)})</td><td>{E(Sentence(methods[i], methods[j], a.Count, b.Count, ci, welch, delta))}</td></tr>\n");
            }
        body.Append(Inv, $"</tbody></table>\n<p class=\"note\">{E($"Bootstrap: {options.Resamples:N0} resamples of each group with replacement, percentile interval, generator seed {options.BootstrapSeed}.")}</p>\n");
    }

    private static double Median(List<double> v)
    {
        var sorted = v.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string P(double p) => p < 0.001 ? "< 0.001" : p.ToString("F3", Inv);

    private string Sentence(string a, string b, int na, int nb, Interval ci, WelchTest? welch, double delta)
    {
        if (Math.Min(na, nb) < options.MinSeedsToConclude)
            return $"n = {na} and {nb}: too few seeds to conclude anything (at least {options.MinSeedsToConclude} per method are needed); the numbers describe these seeds only.";
        if (ci.Low <= 0 && ci.High >= 0)
            return $"No difference is shown at this n: the 95 % interval includes 0 (p = {(welch is null ? "n/a" : P(welch.P))}).";
        var (higher, lower) = ci.Estimate > 0 ? (a, b) : (b, a);
        if (welch is { P: >= 0.05 } w)            // the two disagree (the bootstrap interval of few, unequal-variance seeds is the bolder): say so
            return $"Suggestive, not shown: the bootstrap 95 % interval excludes 0 ({higher} higher by {F(Math.Abs(ci.Estimate))}) but Welch's test does not (p = {P(w.P)}); more seeds would decide.";
        return $"{higher} is higher than {lower} by {F(Math.Abs(ci.Estimate))} (95 % CI excludes 0; p = {(welch is null ? "n/a" : P(welch.P))}); the effect is {Comparison.Magnitude(delta)} by Cliff's δ.";
    }

    /// <summary>The collapse rate per method: the completed seeds whose final cell is at or over the rule's threshold.</summary>
    public void CollapseTable(string[] methods)
    {
        var rows = new List<string[]>();
        foreach (var m in input.Sweep.Methods.Where(m => methods.Contains(m.Method)))
        {
            var finals = input.Searches(m.Method).Select(ReportInput.Final).OfType<EpochSummary>().ToList();
            var k = finals.Count(f => f.Metric(m.CollapseRule) >= m.CollapseThreshold);
            var w = Comparison.Wilson(k, finals.Count);
            var rule = input.Sweep.Metric(m.CollapseRule);
            var rate = w is null ? "–" : $"{F(100 * w.Estimate, "F0")} % [{F(100 * w.Low, "F0")}, {F(100 * w.High, "F0")}]";
            rows.Add([m.Method, $"{k} / {finals.Count}", input.Sweep.SyntheticData ? $"{rate} ({SyntheticData.NotMeaningful})" : rate,
                $"≥ {m.CollapseThreshold} of {m.CountedEdges}: {rule?.Label ?? m.CollapseRule}"]);
        }
        body.Append(input.Sweep.SyntheticData ? $"<h3>Collapse rate — {E(SyntheticData.NotMeaningful)}</h3>\n" : "<h3>Collapse rate</h3>\n");
        Table(["method", "collapsed / completed", "rate [95 % Wilson interval]", "rule"], rows);
    }

    public void AgreementTables(string[] methods)
    {
        var space = input.Space;
        Table(["method", "completed", "modal genotype", "its share", "mean pairwise Hamming distance"],
            input.Sweep.Methods.Where(m => methods.Contains(m.Method)).Select(m => new[]
            {
                m.Method, m.Completed.ToString(Inv), m.ModalArch ?? "–", m.ModalShare is { } s ? F(s) : "–",
                m.MeanPairwiseHamming is { } h ? $"{F(h)} of {space.SlotLabels.Length} slots" : "–",
            }));
        // the chosen value of every slot, counted over the completed seeds' final genotypes
        body.Append("<h3>Chosen operations per edge (final genotypes)</h3>\n");
        var finals = methods.Select(m => input.Searches(m).Select(ReportInput.Final).OfType<EpochSummary>()
            .Where(f => f.Slots.Length == space.SlotLabels.Length).ToList()).ToList();
        Table(["edge", .. methods], space.SlotLabels.Select((label, slot) => finals
            .Select(genotypes => string.Join(", ", genotypes.GroupBy(g => g.Slots[slot]).OrderByDescending(g => g.Count()).ThenBy(g => g.Key)
                .Select(g => $"{(g.Key >= 0 && g.Key < space.SlotValues.Length ? space.SlotValues[g.Key] : g.Key.ToString(Inv))} ×{g.Count()}")))
            .Prepend(label)));
    }

    public void OperationLegend()
    {
        body.Append("<p class=\"legend\">");
        for (var op = 0; op < input.Space.Ops.Length; op++)
            body.Append(Inv, $"<span style=\"color:{Figures.ColorOf(op).ToHex()}\">■ {E(input.Space.Ops[op])}</span> ");
        body.Append("</p>\n");
    }

    public void Provenance()
    {
        var s = input.Sweep;
        var seconds = input.Seeds.Sum(d => d.Status.Seconds);
        var silos = input.Seeds.Select(d => d.Status.Silo).OfType<string>().Distinct().Order().ToList();
        var environments = input.Seeds.Select(d => d.Status.Environment).OfType<string>().Distinct().Order().ToList();
        var version = typeof(StabilityReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var rule = s.Methods.FirstOrDefault() is { } first ? $"≥ {first.CollapseThreshold} of {first.CountedEdges}: {s.Metric(first.CollapseRule)?.Label ?? first.CollapseRule}" : "–";
        Table(["", ""],
        [
            ["sweep id", s.Id],
            ["name", s.Spec.Name],
            ["methods", string.Join(", ", s.Spec.Methods)],
            ["seeds", s.Spec.SeedsText()],
            ["created, finished", $"{s.CreatedAt:u}, {(s.FinishedAt is { } f ? f.ToString("u", Inv) : "not yet")}"],
            ["total compute time", $"{seconds / 3600:F2} h of seed wall time ({input.Seeds.Count} seed stages)"],
            ["silos the seeds ran on", silos.Count == 0 ? "–" : string.Join(", ", silos)],
            ["where the seeds ran", environments.Count == 0 ? "not recorded" : string.Join(" | ", environments)],
            ["collapse rule", rule],
            ["metrics", string.Join("; ", s.Metrics.Select(m => $"{m.Key}: {m.Label} ({m.Source})"))],
            ["report written by", $"SingleDarts {version}; {RuntimeInformation.FrameworkDescription}; on {Machine()}; {DateTimeOffset.UtcNow:u}"],
        ]);
        body.Append("<h3>Spec</h3>\n");
        var spec = new
        {
            s.Spec.Name, s.Spec.Methods, s.Spec.Seeds, s.Spec.MethodSeeds, search = JsonDocument.Parse(s.Spec.SearchJson).RootElement,
            evaluate = s.Spec.EvaluateJson is null ? (JsonElement?)null : JsonDocument.Parse(s.Spec.EvaluateJson).RootElement,
            s.Spec.CollapseThreshold, s.Spec.CollapseRule,
        };
        body.Append(Inv, $"<pre>{E(JsonSerializer.Serialize(spec, WireJson.Options))}</pre>\n");
    }

    /// <summary>The CPU model, core count, whether it has AVX-512, and the OS.</summary>
    private static string Machine()
    {
        string? model = null;
        var avx512 = false;
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (model is null && line.StartsWith("model name", StringComparison.Ordinal)) model = line[(line.IndexOf(':') + 1)..].Trim();
                if (line.StartsWith("flags", StringComparison.Ordinal)) avx512 |= line.Contains(" avx512f", StringComparison.Ordinal);
            }
        }
        catch (IOException)
        {
            // not Linux: the model stays unknown
        }
        return $"{model ?? "unknown CPU"}, {Environment.ProcessorCount} cores, avx512f {(avx512 ? "yes" : "no")}, {RuntimeInformation.OSDescription}";
    }

    public override string ToString() =>
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\" />" +
        $"<title>{E($"Stability report — sweep {input.Sweep.Id}")}</title>\n<style>\n{Style}\n</style></head>\n<body>\n{body}</body></html>\n";

    private const string Style = """
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.4; }
        h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { margin-top: 1.4em; }
        table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
        th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
        th { background: #f3f3f3; }
        figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
        figcaption { font-size: 0.9em; color: #555; }
        code, pre { font-family: "DejaVu Sans Mono", monospace; font-size: 0.85em; word-break: break-all; white-space: pre-wrap; }
        .note { font-size: 0.85em; color: #555; } .legend span { margin-right: 1em; font-weight: bold; }
        .warning { background: #fff4d6; border-left: 4px solid #e0a800; padding: 0.4em 0.8em; }
        """;
}
