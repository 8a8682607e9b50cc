using SingleDarts.Abstractions;

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
/// figure as PNG and SVG under figures/. Every number it compares and draws comes from the sweep's own
/// declarations (<see cref="ReportMetric"/>): per method, mean ± std bands over seeds by epoch with thin
/// per-seed lines; final values as strip plots; each pair of methods compared (bootstrap interval of the
/// difference of means, Welch's t-test, Cliff's δ, n stated); collapse rates with Wilson intervals; time to collapse
/// (Kaplan–Meier per method) and which collapse alarm the seeds support; genotype
/// agreement; per seed, relaxed α by edge; and the provenance of the numbers.
/// </summary>
public static class StabilityReport
{
    /// <summary>Writes the report into <paramref name="dir"/> (created if needed); returns the path of report.html.</summary>
    public static string Write(ReportInput input, string dir, ReportOptions? options = null)
    {
        options ??= new ReportOptions();
        // a page of empty tables and "0 of 0 seeds" would contradict itself: there is nothing to compare
        if (input.Seeds.Count == 0)
            throw new ReportException($"the sweep '{input.Sweep.Id}' has no seeds: there is nothing to compare, so no report was written");
        var figures = Path.Combine(dir, "figures");
        try
        {
            Directory.CreateDirectory(figures);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ReportException($"-o {dir}: cannot write there ({ex.Message})");
        }
        var html = new ReportHtml(input, options);
        var plots = new ReportPlots(input, figures);
        var methods = input.Sweep.Spec.Methods;
        var seeds = input.Sweep.Spec.MethodSeeds is null
            ? $"{string.Join(", ", methods)} × {input.Sweep.Spec.Seeds.Length} seed(s)"
            : $"{string.Join(", ", methods)} (seeds {input.Sweep.Spec.SeedsText()})";

        html.Heading(1, $"Stability report — sweep {input.Sweep.Id}");
        if (input.Sweep.SyntheticData) html.Paragraph(SyntheticData.Line.Replace("synthetic data:", "Synthetic data:", StringComparison.Ordinal) + ".", "warning");
        html.Paragraph($"{input.Sweep.Spec.Name}: {seeds} on the {input.Space.Name} space{(input.Sweep.Data.Length > 0 ? $", data {input.Sweep.Data}" : "")}; " +
                       $"state {input.Sweep.State.ToString().ToLowerInvariant()}. Every figure below is also in figures/ as PNG and SVG.");

        // the comparison first: it is what the reader came for
        List<ReportMetric> all = [ReportMetric.Valid, ReportMetric.Test, .. input.Metrics.Select(ReportMetric.Of)];
        var finals = all.Where(m => methods.Any(method => plots.Finals(method, m).Count > 0)).ToList();
        html.Heading(2, "Comparison of methods");
        if (methods.Length < 2) html.Paragraph("One method: nothing to compare.");
        if (input.Sweep.SyntheticData) html.Paragraph($"On synthetic data these comparisons describe the mechanics only; the collapse figures below are {SyntheticData.NotMeaningful}.", "warning");
        foreach (var metric in finals)
            html.ComparisonTable(metric, methods, m => plots.Finals(m, metric));
        html.CollapseTable(methods);

        CollapseSection.Write(html, input, figures, methods, options);

        html.Heading(2, "Final values per seed");
        foreach (var metric in finals)
            html.Figure(plots.FinalStrip(metric, methods), $"final-{metric.Slug}",
                $"Final {metric.Title} of every completed seed (dots), and the mean ± std per method (diamond and bar).");

        html.Heading(2, "Over the epochs: mean ± std across seeds");
        foreach (var metric in all)
            if (plots.Curve(metric, methods) is { } png)
                html.Figure(png, $"curve-{metric.Slug}",
                    $"{metric.Title} per epoch: thin lines are seeds, the thick line and band the mean ± std over the seeds that reached the epoch.");

        html.Heading(2, "Genotype agreement");
        html.AgreementTables(methods);

        html.Heading(2, "Relaxed α of each edge over the epochs");
        html.OperationLegend();
        var shown = 0;
        foreach (var method in methods)
            foreach (var seed in input.Searches(method).Where(s => s.History.Length > 0).OrderBy(s => s.Status.Seed).Take(options.AlphaSeedsPerMethod))
            {
                var name = $"alpha-{method}-seed{seed.Status.Seed}";
                html.Figure(plots.AlphaPanels(seed, name), name,
                    $"{method} seed {seed.Status.Seed}: the relaxed weight of every operation (one line each, colours as above) on every edge; dashed lines mark the epochs after which the genotype changed.");
                shown++;
            }
        var withHistory = methods.Sum(m => input.Searches(m).Count(s => s.History.Length > 0));
        if (shown < withHistory) html.Paragraph($"α figures for {shown} of {withHistory} seeds (the first {options.AlphaSeedsPerMethod} per method by seed number).");

        html.Heading(2, "Provenance");
        html.Provenance();

        var path = Path.Combine(dir, "report.html");
        File.WriteAllText(path, html.ToString());
        return path;
    }
}
