using System.Globalization;
using System.Net;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ScottPlot;
using SingleDarts.Abstractions;
using SingleDarts.Search;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Reports;

/// <summary>What a report computes and draws.</summary>
public sealed record ReportOptions
{
    /// <summary>Bootstrap resamples per comparison (at least 10,000 for a reported interval) and the seed of their generator.</summary>
    public int Resamples { get; init; } = Comparison.DefaultResamples;
    public int BootstrapSeed { get; init; }

    /// <summary>Seeds per method whose α gets its own small-multiples figure (the first by seed number).</summary>
    public int AlphaSeedsPerMethod { get; init; } = 3;

    /// <summary>Below this many seeds in a group, a comparison says that nothing can be concluded.</summary>
    public int MinSeedsToConclude { get; init; } = 5;
}

/// <summary>
/// The stability report of a sweep: one self-contained report.html (figures embedded as PNG) plus every
/// figure as PNG and SVG under figures/. Per method, mean ± std bands over seeds by epoch with thin
/// per-seed lines; per seed, relaxed α by edge; final values as strip plots; genotype agreement; each
/// pair of methods compared (bootstrap interval of the difference of means, Welch's t-test, Cliff's δ,
/// collapse rates with Wilson intervals, n stated); and the provenance of the numbers.
/// </summary>
public static class StabilityReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private sealed record Metric(string Key, string Title, string Unit, Func<EpochSummary, double?> Value, bool OfEvaluation = false);

    /// <summary>Writes the report into <paramref name="dir"/> (created if needed); returns the path of report.html.</summary>
    public static string Write(ReportInput input, string dir, ReportOptions? options = null)
    {
        options ??= new ReportOptions();
        var figures = Path.Combine(dir, "figures");
        try
        {
            Directory.CreateDirectory(figures);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ReportException($"-o {dir}: cannot write there ({ex.Message})");
        }
        var html = new Html(input, options);
        var space = input.Space;
        var methods = input.Sweep.Spec.Methods;

        html.Heading(1, $"Stability report — sweep {input.Sweep.Id}");
        html.Paragraph($"{input.Sweep.Spec.Name}: {(input.Sweep.Spec.MethodSeeds is null ? $"{string.Join(", ", methods)} × {input.Sweep.Spec.Seeds.Length} seed(s)" : $"{string.Join(", ", methods)} (seeds {input.Sweep.Spec.SeedsText()})")} on the {space.Name} space; " +
                       $"state {input.Sweep.State.ToString().ToLowerInvariant()}. Every figure below is also in figures/ as PNG and SVG.");

        // the comparison first: it is what the reader came for
        var finals = FinalMetrics(input);
        html.Heading(2, "Comparison of methods");
        if (methods.Length < 2) html.Paragraph("One method: nothing to compare.");
        foreach (var metric in finals.Where(m => methods.Any(method => Finals(input, method, m).Count > 0)))
            html.ComparisonTable(metric.Title + (metric.Unit.Length > 0 ? $" ({metric.Unit})" : ""), methods, m => Finals(input, m, metric));
        html.CollapseTable(methods);

        html.Heading(2, "Final values per seed");
        foreach (var metric in finals)
        {
            var values = methods.Select(m => Finals(input, m, metric)).ToList();
            if (values.All(v => v.Count == 0)) continue;
            var plot = Figures.NewPlot($"final {metric.Title}", "method", metric.Unit);
            for (var i = 0; i < methods.Length; i++)
            {
                var v = values[i];
                if (v.Count == 0) continue;
                var xs = v.Select((_, k) => i + (k - (v.Count - 1) / 2.0) * Math.Min(0.06, 0.6 / v.Count)).ToArray();
                var dots = plot.Add.ScatterPoints(xs, [.. v]);
                dots.Color = Figures.ColorOf(i).WithAlpha(0.75);
                dots.MarkerSize = 7;
                var mean = v.Average();
                var sd = v.Count > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1)) : 0;
                var bar = plot.Add.ErrorBar([i + 0.3], [mean], [sd]);
                bar.Color = Figures.ColorOf(i);
                var centre = plot.Add.ScatterPoints(new[] { i + 0.3 }, new[] { mean });
                centre.Color = Figures.ColorOf(i);
                centre.MarkerSize = 11;
                centre.MarkerShape = MarkerShape.FilledDiamond;
            }
            plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, methods.Length).Select(i => (double)i)], [.. methods.Select((m, i) => $"{m} (n = {values[i].Count})")]);
            Figures.CapPercent(plot, metric.Unit);
            plot.Axes.SetLimitsX(-0.6, methods.Length - 0.4);
            html.Figure(Figures.Save(plot, figures, $"final-{metric.Key}", 800, 480), $"final-{metric.Key}",
                $"Final {metric.Title} of every completed seed (dots), and the mean ± std per method (diamond and bar).");
        }

        html.Heading(2, "Over the epochs: mean ± std across seeds");
        foreach (var metric in CurveMetrics(space))
        {
            var plot = Figures.NewPlot(metric.Title, "epoch", metric.Unit);
            Figures.WholeTicks(plot);
            var any = false;
            for (var i = 0; i < methods.Length; i++)
            {
                var seeds = (metric.OfEvaluation ? input.Evaluations(methods[i]) : input.Searches(methods[i])).ToList();
                var series = seeds.Select(s => s.History.Where(e => Finite(metric.Value(e))).Select(e => (X: (double)e.Epoch, Y: metric.Value(e)!.Value)).ToArray())
                    .Where(s => s.Length > 0).ToList();
                if (series.Count == 0) continue;
                any = true;
                var color = Figures.ColorOf(i);
                foreach (var s in series)
                {
                    var line = plot.Add.ScatterLine(s.Select(p => p.X).ToArray(), s.Select(p => p.Y).ToArray());
                    line.Color = color.WithAlpha(0.3);
                    line.LineWidth = 1;
                }
                var byEpoch = series.SelectMany(s => s).GroupBy(p => p.X).OrderBy(g => g.Key).ToList();
                var xs = byEpoch.Select(g => g.Key).ToArray();
                var means = byEpoch.Select(g => g.Average(p => p.Y)).ToArray();
                var sds = byEpoch.Select(g => Std(g.Select(p => p.Y).ToList())).ToArray();
                var band = plot.Add.FillY(xs, [.. means.Zip(sds, (m, s) => m - s)], [.. means.Zip(sds, (m, s) => m + s)]);
                band.FillColor = color.WithAlpha(0.18);
                band.LineWidth = 0;
                var mean = plot.Add.ScatterLine(xs, means);
                mean.Color = color;
                mean.LineWidth = 2.5f;
                mean.LegendText = $"{methods[i]} (n = {series.Count})";
            }
            if (!any) continue;
            Figures.CapPercent(plot, metric.Unit);
            plot.ShowLegend(Alignment.LowerRight);
            html.Figure(Figures.Save(plot, figures, $"curve-{metric.Key}", 800, 480), $"curve-{metric.Key}",
                $"{metric.Title} per epoch: thin lines are seeds, the thick line and band the mean ± std over the seeds that reached the epoch.");
        }

        html.Heading(2, "Genotype agreement");
        html.AgreementTables(space, methods);

        html.Heading(2, "Relaxed α of each edge over the epochs");
        html.OperationLegend(space);
        foreach (var (method, i) in methods.Select((m, i) => (m, i)))
            foreach (var seed in input.Searches(method).Where(s => s.History.Length > 0).OrderBy(s => s.Status.Seed).Take(options.AlphaSeedsPerMethod))
            {
                var name = $"alpha-{method}-seed{seed.Status.Seed}";
                html.Figure(Figures.Save(AlphaPanels(seed, space), figures, name, seed.Edges.Length > 8 ? 2100 : 1200, seed.Edges.Length > 8 ? 1200 : 640), name,
                    $"{method} seed {seed.Status.Seed}: the relaxed weight of every operation (one line each, colours as above) on every edge; dashed lines mark the epochs after which the genotype changed.");
            }
        var shown = methods.Sum(m => Math.Min(options.AlphaSeedsPerMethod, input.Searches(m).Count(s => s.History.Length > 0)));
        var all = methods.Sum(m => input.Searches(m).Count(s => s.History.Length > 0));
        if (shown < all) html.Paragraph($"α figures for {shown} of {all} seeds (the first {options.AlphaSeedsPerMethod} per method by seed number).");

        html.Heading(2, "Provenance");
        html.Provenance();

        var path = Path.Combine(dir, "report.html");
        File.WriteAllText(path, html.ToString());
        return path;
    }

    private static IEnumerable<Metric> FinalMetrics(ReportInput input) =>
    [
        new("nb201", "NAS-Bench-201 test accuracy of the final cell", "%", e => e.Nb201Acc),
        new("test", "test accuracy, genotype trained from scratch", "%", e => e.TestAcc * 100, OfEvaluation: true),
        new("valid", "supernet held-out accuracy", "%", e => e.ValidAcc * 100),
    ];

    private static IEnumerable<Metric> CurveMetrics(ISearchSpace space) =>
    [
        new("nb201", "NAS-Bench-201 test accuracy of the current cell", "%", e => e.Nb201Acc),
        new("test", "test accuracy during the evaluation (training from scratch)", "%", e => e.TestAcc * 100, OfEvaluation: true),
        new("valid", "supernet held-out accuracy", "%", e => e.ValidAcc * 100),
        space.DefaultCollapseRule == CollapseRules.SkipConnect
            ? new("skip", $"skip_connect edges in the normal cell (of {space.CountedEdges})", "edges", e => e.SkipConnects)
            : new("param-free", $"parameter-free share of the cell's {space.CountedEdges} edges", "share", e => e.ParamFreeShare),
        new("entropy", "mean entropy of the relaxed α per edge", "nats", e => e.AlphaEntropy),
    ];

    /// <summary>The metric's value after the last epoch of every completed seed of <paramref name="method"/> (its search, or its evaluation).</summary>
    private static List<double> Finals(ReportInput input, string method, Metric metric) =>
        [.. (metric.OfEvaluation ? input.Evaluations(method) : input.Searches(method))
            .Where(s => s.Status.State == SeedState.Completed && (s.History.LastOrDefault() ?? s.Status.Last) is { } last && Finite(metric.Value(last)))
            .Select(s => metric.Value(s.History.LastOrDefault() ?? s.Status.Last!)!.Value)];

    private static bool Finite(double? v) => v is { } x && double.IsFinite(x);

    private static double Std(List<double> v)
    {
        if (v.Count < 2) return 0;
        var mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
    }

    /// <summary>One panel per edge (α's rows), one line per operation, dashed where the genotype changed.</summary>
    private static Multiplot AlphaPanels(SeedDetail seed, ISearchSpace space)
    {
        var edges = seed.Edges.Length;
        var columns = edges > 8 ? 7 : 3;
        var rows = (edges + columns - 1) / columns;
        var multiplot = new Multiplot();
        multiplot.Subplots.RemoveAt(0);        // a new multiplot starts with one empty plot
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        var epochs = seed.History.Select(h => (double)h.Epoch).ToArray();
        var changes = seed.History.Skip(1).Where((h, i) => h.Arch != seed.History[i].Arch).Select(h => h.Epoch - 1.0).ToArray();
        for (var e = 0; e < edges; e++)
        {
            var plot = new Plot();
            plot.Font.Set("DejaVu Sans");
            plot.Title(seed.Edges[e], size: 12);
            Figures.WholeTicks(plot);
            foreach (var x in changes)
            {
                var mark = plot.Add.VerticalLine(x);
                mark.Color = Colors.Gray.WithAlpha(0.6);
                mark.LinePattern = LinePattern.Dashed;
                mark.LineWidth = 1;
            }
            for (var op = 0; op < seed.Ops.Length; op++)
            {
                var ys = seed.History.Select(h => e < h.OpWeights.Length && op < h.OpWeights[e].Length ? (double)h.OpWeights[e][op] : double.NaN).ToArray();
                var line = plot.Add.ScatterLine(epochs, ys);
                line.Color = Figures.ColorOf(op);
                line.LineWidth = 1.5f;
                if (e == 0) line.LegendText = seed.Ops[op];
            }
            if (e == 0) plot.ShowLegend(Alignment.UpperLeft);
            multiplot.AddPlot(plot);
        }
        return multiplot;
    }

    /// <summary>The report's HTML, written so that a strict parser accepts it (every value escaped, every element closed).</summary>
    private sealed class Html(ReportInput input, ReportOptions options)
    {
        private readonly StringBuilder body = new();

        private static string E(string text) => WebUtility.HtmlEncode(text);

        private static string F(double v, string format = "F2") => v.ToString(format, Inv);

        public void Heading(int level, string text) => body.Append(Inv, $"<h{level}>{E(text)}</h{level}>\n");

        public void Paragraph(string text) => body.Append(Inv, $"<p>{E(text)}</p>\n");

        public void Figure(byte[] png, string name, string caption) => body.Append(Inv,
            $"<figure><img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" alt=\"{E(caption)}\" />" +
            $"<figcaption>{E(caption)} <a href=\"figures/{name}.png\">PNG</a> · <a href=\"figures/{name}.svg\">SVG</a></figcaption></figure>\n");

        public void ComparisonTable(string title, string[] methods, Func<string, List<double>> values)
        {
            body.Append(Inv, $"<h3>{E(title)}</h3>\n<table><thead><tr><th>A − B</th><th>n (A, B)</th><th>mean A</th><th>mean B</th><th>difference [95 % bootstrap CI]</th>" +
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

        private static string P(double p) => p < 0.001 ? "< 0.001" : p.ToString("F3", Inv);

        private string Sentence(string a, string b, int na, int nb, Interval ci, WelchTest? welch, double delta)
        {
            if (Math.Min(na, nb) < options.MinSeedsToConclude)
                return $"n = {na} and {nb}: too few seeds to conclude anything (at least {options.MinSeedsToConclude} per method are needed); the numbers describe these seeds only.";
            if (ci.Low <= 0 && ci.High >= 0)
                return $"No difference is shown at this n: the 95 % interval includes 0 (p = {(welch is null ? "n/a" : P(welch.P))}).";
            var (higher, lower) = ci.Estimate > 0 ? (a, b) : (b, a);
            return $"{higher} is higher than {lower} by {F(Math.Abs(ci.Estimate))} (95 % CI excludes 0; p = {(welch is null ? "n/a" : P(welch.P))}); the effect is {Comparison.Magnitude(delta)} by Cliff's δ.";
        }

        public void CollapseTable(string[] methods)
        {
            body.Append("<h3>Collapse rate</h3>\n<table><thead><tr><th>method</th><th>collapsed / completed</th><th>rate [95 % Wilson interval]</th><th>rule</th></tr></thead><tbody>\n");
            foreach (var m in input.Sweep.Methods.Where(m => methods.Contains(m.Method)))
            {
                var finals = input.Searches(m.Method).Where(s => s.Status.State == SeedState.Completed && (s.History.LastOrDefault() ?? s.Status.Last) is not null)
                    .Select(s => s.History.LastOrDefault() ?? s.Status.Last!).ToList();
                var k = finals.Count(f => CollapseRules.Count(m.CollapseRule, f.ParamFreeEdges, f.SkipConnects) >= m.CollapseThreshold);
                var w = Comparison.Wilson(k, finals.Count);
                body.Append(Inv, $"<tr><td>{E(m.Method)}</td><td>{k} / {finals.Count}</td>" +
                                 $"<td>{(w is null ? "–" : $"{F(100 * w.Estimate, "F0")} % [{F(100 * w.Low, "F0")}, {F(100 * w.High, "F0")}]")}</td>" +
                                 $"<td>{E($"≥ {m.CollapseThreshold} of {m.CountedEdges} counted edges {(m.CollapseRule == CollapseRules.SkipConnect ? "skip_connect" : "parameter-free")}")}</td></tr>\n");
            }
            body.Append("</tbody></table>\n");
        }

        public void AgreementTables(ISearchSpace space, string[] methods)
        {
            body.Append("<table><thead><tr><th>method</th><th>completed</th><th>modal genotype</th><th>its share</th><th>mean pairwise Hamming distance</th></tr></thead><tbody>\n");
            foreach (var m in input.Sweep.Methods.Where(m => methods.Contains(m.Method)))
                body.Append(Inv, $"<tr><td>{E(m.Method)}</td><td>{m.Completed}</td><td><code>{E(m.ModalArch ?? "–")}</code></td>" +
                                 $"<td>{(m.ModalShare is { } s ? F(s) : "–")}</td><td>{(m.MeanPairwiseHamming is { } h ? $"{F(h)} of {space.SlotCount} slots" : "–")}</td></tr>\n");
            body.Append("</tbody></table>\n");
            // the chosen operation of every slot, counted over the completed seeds' final genotypes
            var labels = SlotLabels(space);
            body.Append("<h3>Chosen operations per edge (final genotypes)</h3>\n<table><thead><tr><th>edge</th>");
            foreach (var m in methods) body.Append(Inv, $"<th>{E(m)}</th>");
            body.Append("</tr></thead><tbody>\n");
            var finals = methods.Select(m => input.Searches(m).Where(s => s.Status.State == SeedState.Completed)
                .Select(s => (s.History.LastOrDefault() ?? s.Status.Last)?.Arch).OfType<string>().Select(a => TryParse(space, a)).OfType<ISpaceGenotype>().ToList()).ToList();
            for (var slot = 0; slot < labels.Count; slot++)
            {
                body.Append(Inv, $"<tr><td>{E(labels[slot])}</td>");
                foreach (var genotypes in finals)
                {
                    var counts = genotypes.GroupBy(g => g.Slots[slot]).OrderByDescending(g => g.Count()).ThenBy(g => g.Key)
                        .Select(g => $"{SlotValue(space, g.Key)} ×{g.Count()}");
                    body.Append(Inv, $"<td>{E(string.Join(", ", counts))}</td>");
                }
                body.Append("</tr>\n");
            }
            body.Append("</tbody></table>\n");
        }

        private static ISpaceGenotype? TryParse(ISearchSpace space, string arch)
        {
            try
            {
                return space.Parse(arch);
            }
            catch (FormatException)
            {
                return null;
            }
        }

        /// <summary>NB201: the 6 edges; DARTS: each cell's node and which of its two kept edges.</summary>
        private static IReadOnlyList<string> SlotLabels(ISearchSpace space) => space.SlotCount == space.AlphaGroups.Sum(g => g.Edges.Count)
            ? [.. space.AlphaGroups.SelectMany(g => g.Edges)]
            : [.. space.AlphaGroups.SelectMany(g => Enumerable.Range(0, space.SlotCount / space.AlphaGroups.Count).Select(i => $"{g.Name} node {2 + i / 2}, edge {1 + i % 2}"))];

        private static string SlotValue(ISearchSpace space, int value) => space.SlotCount == space.AlphaGroups.Sum(g => g.Edges.Count)
            ? space.Operations[value]
            : $"{space.Operations[value / space.Operations.Count]} ← {value % space.Operations.Count}";

        public void OperationLegend(ISearchSpace space)
        {
            body.Append("<p class=\"legend\">");
            for (var op = 0; op < space.Operations.Count; op++)
                body.Append(Inv, $"<span style=\"color:{Figures.ColorOf(op).ToHex()}\">■ {E(space.Operations[op])}</span> ");
            body.Append("</p>\n");
        }

        public void Provenance()
        {
            var s = input.Sweep;
            var seconds = input.Seeds.Sum(d => d.Status.Seconds);
            var silos = input.Seeds.Select(d => d.Status.Silo).OfType<string>().Distinct().Order().ToList();
            var version = typeof(StabilityReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            body.Append("<table class=\"provenance\"><tbody>\n");
            void Row(string k, string v) => body.Append(Inv, $"<tr><th>{E(k)}</th><td>{E(v)}</td></tr>\n");
            Row("sweep id", s.Id);
            Row("name", s.Spec.Name);
            Row("methods", string.Join(", ", s.Spec.Methods));
            Row("seeds", s.Spec.SeedsText());
            Row("created, finished", $"{s.CreatedAt:u}, {(s.FinishedAt is { } f ? f.ToString("u", Inv) : "not yet")}");
            Row("total compute time", $"{seconds / 3600:F2} h of seed wall time ({input.Seeds.Count} seed stages)");
            Row("silos the seeds ran on", silos.Count == 0 ? "–" : string.Join(", ", silos));
            Row("collapse rule", string.Join("; ", s.Methods.Take(1).Select(m => $"≥ {m.CollapseThreshold} of {m.CountedEdges} {m.CollapseRule}")));
            Row("versions", $"SingleDarts {version}; TorchSharp {TorchRuntime.TorchSharpVersion}; {RuntimeInformation.FrameworkDescription}");
            Row("report written on", $"{Machine()}; {DateTimeOffset.UtcNow:u}");
            body.Append("</tbody></table>\n<h3>Spec</h3>\n");
            var spec = new { s.Spec.Name, s.Spec.Methods, s.Spec.Seeds, s.Spec.MethodSeeds, search = JsonDocument.Parse(s.Spec.SearchJson).RootElement,
                evaluate = s.Spec.EvaluateJson is null ? (JsonElement?)null : JsonDocument.Parse(s.Spec.EvaluateJson).RootElement,
                s.Spec.CollapseThreshold, s.Spec.CollapseRule };
            body.Append(Inv, $"<pre>{E(JsonSerializer.Serialize(spec, Json.Options))}</pre>\n");
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
            """;
    }
}
