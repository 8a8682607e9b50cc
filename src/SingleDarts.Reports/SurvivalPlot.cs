using ScottPlot;

namespace SingleDarts.Reports;

/// <summary>The time-to-collapse figure: a Kaplan–Meier step curve per method, censored seeds marked with a cross.</summary>
internal static class SurvivalPlot
{
    public const string Name = "collapse-survival";

    public static byte[] Draw(IReadOnlyList<SurvivalCurve> curves, string[] methods, string dir)
    {
        var plot = Figures.NewPlot("time to collapse (Kaplan–Meier)", "epoch", "fraction of seeds not yet collapsed");
        Figures.WholeTicks(plot);
        var end = Math.Max(1, curves.SelectMany(c => c.Steps.Concat(c.Censored)).Max(p => p.Epoch));
        foreach (var curve in curves)
        {
            var color = Figures.ColorOf(Array.IndexOf(methods, curve.Method));
            // a step function: flat until the next collapse, then straight down, flat to the last epoch seen
            var xs = new List<double>();
            var ys = new List<double>();
            for (var i = 0; i < curve.Steps.Count; i++)
            {
                if (i > 0)
                {
                    xs.Add(curve.Steps[i].Epoch);
                    ys.Add(curve.Steps[i - 1].Survival);
                }
                xs.Add(curve.Steps[i].Epoch);
                ys.Add(curve.Steps[i].Survival);
            }
            xs.Add(end);
            ys.Add(curve.Steps[^1].Survival);
            var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
            line.Color = color;
            line.LineWidth = Math.Max(1.5f, 4f - 1.25f * curves.ToList().IndexOf(curve));     // thinner in front: equal curves stay visible
            line.LegendText = $"{curve.Method} (n = {curve.Seeds}, {curve.Censored.Count} censored)";
            if (curve.Censored.Count == 0) continue;
            var marks = plot.Add.ScatterPoints(curve.Censored.Select(p => (double)p.Epoch).ToArray(), curve.Censored.Select(p => p.Survival).ToArray());
            marks.Color = color;
            marks.MarkerShape = MarkerShape.Cross;
            marks.MarkerSize = 12;
        }
        plot.Axes.SetLimits(0, end + 0.5, -0.03, 1.05);
        plot.ShowLegend(Alignment.LowerLeft);
        return Figures.Save(plot, dir, Name, 800, 480);
    }
}
