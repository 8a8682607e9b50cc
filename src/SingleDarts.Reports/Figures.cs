using ScottPlot;
using SkiaSharp;

namespace SingleDarts.Reports;

/// <summary>How figures look and are saved: PNG and SVG side by side, fixed colours per method and per operation.</summary>
public static class Figures
{
    /// <summary>Colours by position (Tableau 10): method i and operation i always get colour i.</summary>
    public static readonly Color[] Palette =
    [
        Color.FromHex("#1f77b4"), Color.FromHex("#ff7f0e"), Color.FromHex("#2ca02c"), Color.FromHex("#d62728"), Color.FromHex("#9467bd"),
        Color.FromHex("#8c564b"), Color.FromHex("#e377c2"), Color.FromHex("#7f7f7f"), Color.FromHex("#bcbd22"), Color.FromHex("#17becf"),
    ];

    public static Color ColorOf(int index) => Palette[index % Palette.Length];

    /// <summary>
    /// The vertical axis stays inside the metric's declared range: a mean ± std band or bar beyond it means nothing
    /// (a count below 0, a percentage above 100). A small margin keeps points on the limit visible.
    /// </summary>
    public static void WithinRange(Plot plot, double? min, double? max)
    {
        plot.Axes.AutoScale();
        var limits = plot.Axes.GetLimits();
        var margin = 0.01 * Math.Max(limits.Top - limits.Bottom, 1e-9);
        var bottom = min is { } lo && limits.Bottom < lo ? lo - margin : limits.Bottom;
        var top = max is { } hi && limits.Top > hi ? hi + margin : limits.Top;
        if (bottom != limits.Bottom || top != limits.Top) plot.Axes.SetLimitsY(bottom, top);
    }

    /// <summary>Epochs are whole numbers: no tick at 1.5.</summary>
    public static void WholeTicks(Plot plot) =>
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };

    public static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        plot.Title(title, size: 15);
        plot.XLabel(x, size: 13);
        plot.YLabel(y, size: 13);
        return plot;
    }

    /// <summary>Writes <paramref name="name"/>.png and .svg into <paramref name="dir"/>; returns the PNG's bytes (for embedding).</summary>
    public static byte[] Save(Plot plot, string dir, string name, int width, int height)
    {
        plot.SavePng(Path.Combine(dir, name + ".png"), width, height);
        plot.SaveSvg(Path.Combine(dir, name + ".svg"), width, height);
        return File.ReadAllBytes(Path.Combine(dir, name + ".png"));
    }

    /// <summary>The same for a grid of panels.</summary>
    public static byte[] Save(Multiplot multiplot, string dir, string name, int width, int height)
    {
        multiplot.SavePng(Path.Combine(dir, name + ".png"), width, height);
        using (var stream = File.Create(Path.Combine(dir, name + ".svg")))
        using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), stream))
            multiplot.Render(canvas, new PixelRect(0, width, height, 0));
        return File.ReadAllBytes(Path.Combine(dir, name + ".png"));
    }
}
