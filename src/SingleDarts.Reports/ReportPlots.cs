using ScottPlot;
using SingleDarts.Abstractions;

namespace SingleDarts.Reports;

/// <summary>The report's figures: final values per method, curves over the epochs, α per edge; each saved as PNG and SVG.</summary>
internal sealed class ReportPlots(ReportInput input, string figures)
{
    /// <summary>The metric's value after the last epoch of every completed seed of <paramref name="method"/> (its search, or its evaluation).</summary>
    public List<double> Finals(string method, ReportMetric metric) =>
        [.. (metric.OfEvaluation ? input.Evaluations(method) : input.Searches(method))
            .Select(ReportInput.Final).OfType<EpochSummary>().Select(metric.Value).Where(Finite).Select(v => v!.Value)];

    public byte[] FinalStrip(ReportMetric metric, string[] methods)
    {
        var values = methods.Select(m => Finals(m, metric)).ToList();
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
            var bar = plot.Add.ErrorBar([i + 0.3], [mean], [Std(v)]);
            bar.Color = Figures.ColorOf(i);
            var centre = plot.Add.ScatterPoints(new[] { i + 0.3 }, new[] { mean });
            centre.Color = Figures.ColorOf(i);
            centre.MarkerSize = 11;
            centre.MarkerShape = MarkerShape.FilledDiamond;
        }
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, methods.Length).Select(i => (double)i)], [.. methods.Select((m, i) => $"{m} (n = {values[i].Count})")]);
        Figures.WithinRange(plot, metric.Min, metric.Max);
        plot.Axes.SetLimitsX(-0.6, methods.Length - 0.4);
        return Figures.Save(plot, figures, $"final-{metric.Slug}", 800, 480);
    }

    /// <summary>Per method, a thin line per seed and the mean ± std band; null when no seed has the metric.</summary>
    public byte[]? Curve(ReportMetric metric, string[] methods)
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
            var sds = byEpoch.Select(g => Std([.. g.Select(p => p.Y)])).ToArray();
            var band = plot.Add.FillY(xs, [.. means.Zip(sds, (m, s) => m - s)], [.. means.Zip(sds, (m, s) => m + s)]);
            band.FillColor = color.WithAlpha(0.18);
            band.LineWidth = 0;
            var mean = plot.Add.ScatterLine(xs, means);
            mean.Color = color;
            mean.LineWidth = 2.5f;
            mean.LegendText = $"{methods[i]} (n = {series.Count})";
        }
        if (!any) return null;
        Figures.WithinRange(plot, metric.Min, metric.Max);
        plot.ShowLegend(Alignment.LowerRight);
        return Figures.Save(plot, figures, $"curve-{metric.Slug}", 800, 480);
    }

    /// <summary>One panel per edge (α's rows), one line per operation, dashed where the genotype changed.</summary>
    public byte[] AlphaPanels(SeedDetail seed, string name)
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
        return Figures.Save(multiplot, figures, name, edges > 8 ? 2100 : 1200, edges > 8 ? 1200 : 640);
    }

    private static bool Finite(double? v) => v is { } x && double.IsFinite(x);

    public static double Std(IReadOnlyList<double> v)
    {
        if (v.Count < 2) return 0;
        var mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
    }
}
