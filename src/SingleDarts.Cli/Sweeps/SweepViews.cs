using System.Globalization;
using SingleDarts.Abstractions;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SingleDarts.Cli.Sweeps;

/// <summary>How sweeps and seeds look on a terminal (Spectre tables) and in plain output.</summary>
public static class SweepViews
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A percentage; "–" for a value not known (null, or NaN: a figure a restarted coordinator does not keep).</summary>
    public static string Pct(double? v) => v is { } x && !double.IsNaN(x) ? (x * 100).ToString("F2", Inv) : "–";
    public static string Num(double? v, string format = "F2") => v is { } x && !double.IsNaN(x) ? x.ToString(format, Inv) : "–";
    /// <summary>"mean ± std (n=3)"; one value has no sample std, so it is shown alone with n=1.</summary>
    public static string MeanStd(Stat? s, double scale = 1) => s switch
    {
        null => "–",
        { N: <= 1 } => string.Create(Inv, $"{s.Mean * scale:F2} (n={s.N})"),
        _ => string.Create(Inv, $"{s.Mean * scale:F2} ± {s.Std * scale:F2} (n={s.N})"),
    };

    /// <summary>The headline metrics that have a value in any of <paramref name="epochs"/> (a column only where there is something to show).</summary>
    public static List<MetricInfo> Shown(IEnumerable<MetricInfo> metrics, IEnumerable<EpochSummary?> epochs)
    {
        var present = epochs.OfType<EpochSummary>().SelectMany(e => e.Metrics.Keys).ToHashSet();
        return [.. metrics.Where(m => m.Headline && present.Contains(m.Key))];
    }

    /// <summary>
    /// One row per seed that passes <paramref name="filter"/> — running seeds first, then by method and
    /// seed — at most <see cref="SeedFilter.Top"/> of them, with a caption that says what was left out.
    /// </summary>
    public static Table Seeds(SweepStatus status, SeedFilter filter)
    {
        var table = new Table().Border(TableBorder.Simple)
            .Title($"sweep {Markup.Escape(status.Id)} — {status.State.ToString().ToLowerInvariant()}");
        var chosen = status.Seeds.Where(filter.Matches).ToList();
        var shown = chosen.OrderBy(s => s.State == SeedState.Running ? 0 : 1).ThenBy(s => s.Method, StringComparer.Ordinal).ThenBy(s => s.Seed)
            .Take(filter.Top).ToList();
        var metrics = Shown(status.Metrics, shown.Select(s => s.Last));
        foreach (var c in new[] { "seed", "method", "state", "silo", "epoch", "loss", "acc %" }.Concat(metrics.Select(m => m.Column)).Append("arch"))
            table.AddColumn(new TableColumn(Markup.Escape(c)));
        if (shown.Count < status.Seeds.Length)
            table.Caption(string.Create(Inv, $"{shown.Count:N0} of {status.Seeds.Length:N0} seeds shown") +
                (shown.Count < chosen.Count ? string.Create(Inv, $" ({chosen.Count:N0} match; --top N shows more)") : "") +
                "; --method, --state, --top choose them, --json prints all");
        foreach (var s in shown)
        {
            var epoch = s.State == SeedState.Running && s.Steps > 0
                ? $"{s.EpochsDone}/{s.Epochs} ({s.Step}/{s.Steps})"
                : $"{s.EpochsDone}/{s.Epochs}";
            IRenderable[] cells =
            [
                new Text(s.Seed.ToString(Inv)), new Text(s.IsEvaluation ? $"{s.Method} (evaluate)" : s.Method), State(s), new Text(s.Silo ?? "–"), new Text(epoch),
                new Text(Num(s.Last?.TrainLoss, "F4")), new Text(s.IsEvaluation ? Pct(s.Last?.TestAcc) + " test" : Pct(s.Last?.ValidAcc)),
                .. metrics.Select(m => new Text(m.Format(s.Last?.Metric(m.Key)))),
                new Text(s.Last?.Arch ?? s.Reason ?? ""),
            ];
            table.AddRow(cells);
        }
        return table;
    }

    /// <summary>A metric's final figure across seeds: mean ± std (n), or median [min–max] (n) for a metric that sums up by its median.</summary>
    public static string Summary(MetricInfo metric, Stat? s) => s switch
    {
        null => "–",
        _ when metric.Summary == MetricSummary.Median && s.Median is { } median =>
            string.Create(Inv, $"{metric.FormatMean(median)} [{metric.Format(s.Min)}–{metric.Format(s.Max)}] (n={s.N})"),
        { N: <= 1 } => string.Create(Inv, $"{metric.FormatMean(s.Mean)} (n={s.N})"),
        _ => string.Create(Inv, $"{metric.FormatMean(s.Mean)} ± {metric.FormatMean(s.Std)} (n={s.N})"),
    };

    /// <summary>The stability table: one row per method.</summary>
    public static Table Methods(SweepStatus status)
    {
        var failed = status.Methods.Sum(m => m.Failed);
        var table = new Table().Border(TableBorder.Simple)
            .Title(failed == 0 ? "stability across seeds" : $"stability across seeds — {failed} seed(s) failed, not in the final figures");
        var evaluates = status.Spec.EvaluateJson is not null;
        var present = status.Methods.SelectMany(m => m.Finals.Keys).ToHashSet();
        var metrics = status.Metrics.Where(m => m.Headline && present.Contains(m.Key)).ToList();
        string[] columns = ["method", "done/seeds", "failed", "valid acc %", .. metrics.Select(m => m.Column), "collapse", "modal arch share", "mean Hamming"];
        foreach (var c in evaluates ? [.. columns, "evaluated", "test acc % (min–max)"] : columns)
            table.AddColumn(new TableColumn(Markup.Escape(c)));
        foreach (var m in status.Methods)
        {
            IRenderable[] evaluation = evaluates
                ?
                [
                    new Text($"{m.Evaluated}/{m.Completed}{(m.EvaluationsRunning > 0 ? $", {m.EvaluationsRunning} running" : "")}{(m.EvaluationsFailed > 0 ? $", {m.EvaluationsFailed} failed" : "")}",
                        m.EvaluationsFailed > 0 ? new Style(Color.Red) : Style.Plain),
                    new Text(m.TestAcc is { } t ? string.Create(Inv, $"{MeanStd(t)} ({t.Min:F2}–{t.Max:F2})") : "–"),
                ]
                : [];
            var rule = status.Metric(m.CollapseRule);
            table.AddRow([new Text(m.Method), new Text($"{m.Completed}/{m.Seeds}"),
                new Text(m.Failed.ToString(Inv), m.Failed > 0 ? new Style(Color.Red) : Style.Plain),
                new Text(MeanStd(m.ValidAcc, 100)), .. metrics.Select(metric => new Text(Summary(metric, m.Finals.GetValueOrDefault(metric.Key)))),
                new Text(status.SyntheticData ? SyntheticData.NotMeaningful
                    : m.CollapseRate is { } c ? string.Create(Inv, $"{c * 100:F0}% (≥{m.CollapseThreshold}/{m.CountedEdges} {rule?.Column ?? m.CollapseRule})") : "–"),
                new Text(Num(m.ModalShare)), new Text(Num(m.MeanPairwiseHamming)), .. evaluation]);
        }
        return table;
    }

    /// <summary>The stability table, under the line that says what its figures are worth when the data is synthetic.</summary>
    public static IRenderable Stability(SweepStatus status) =>
        status.SyntheticData ? new Rows(new Text(SyntheticData.Line, new Style(Color.Yellow)), Methods(status)) : Methods(status);

    /// <summary>The per-method summary first, then the seeds <paramref name="filter"/> chooses.</summary>
    public static IRenderable Status(SweepStatus status, SeedFilter filter) =>
        Warnings(status.Seeds.Where(filter.Matches)) is { } warnings
            ? new Rows(Stability(status), Seeds(status, filter), warnings)
            : new Rows(Stability(status), Seeds(status, filter));

    /// <summary>
    /// The seeds' warnings (a resume after a lost silo, a skipped checkpoint, a collapse alarm) and where a
    /// seed between silos stands, the newest <paramref name="top"/>; null when there is none.
    /// </summary>
    public static Table? Warnings(IEnumerable<SeedStatus> seeds, int top = 20)
    {
        var rows = seeds
            .SelectMany(s => s.Warnings.Select(w => (Seed: s, Text: w))
                .Concat(s.Resuming is { } r && !s.State.IsFinal() ? [(Seed: s, Text: r)] : []))
            .ToList();
        if (rows.Count == 0) return null;
        var table = new Table().Border(TableBorder.Simple).Title("warnings");
        table.AddColumn("seed");
        table.AddColumn("warning");
        foreach (var (s, text) in rows.TakeLast(top))
            table.AddRow(new Text($"{s.Method} seed {s.Seed.ToString(Inv)}{(s.IsEvaluation ? " evaluation" : "")}"), new Text(text, new Style(Color.Yellow)));
        if (rows.Count > top) table.Caption(string.Create(Inv, $"the newest {top} of {rows.Count} (all in --json and the export)"));
        return table;
    }

    private static Text State(SeedStatus s) => s.Resuming is not null && !s.State.IsFinal()
        ? new("resuming", new Style(Color.Yellow))
        : new(s.State.ToString().ToLowerInvariant(), s.State switch
    {
        SeedState.Completed => new Style(Color.Green),
        SeedState.Failed => new Style(Color.Red),
        SeedState.Cancelled => new Style(Color.Yellow),
        SeedState.Running => new Style(Color.Blue),
        _ => Style.Plain,
    });

    /// <summary>A line per seed event for logs and pipes (no terminal); <paramref name="metrics"/>: the sweep's declared metrics (the headline ones are printed).</summary>
    public static string Line(SeedStatus s, IReadOnlyList<MetricInfo> metrics)
    {
        if (s.Resuming is { } resuming && !s.State.IsFinal())
            return string.Create(Inv, $"{s.Method} seed {s.Seed}{(s.IsEvaluation ? " evaluation" : "")}: {resuming}, epoch {s.EpochsDone}/{s.Epochs}");
        var line = string.Create(Inv, $"{s.Method} seed {s.Seed}{(s.IsEvaluation ? " evaluation" : "")}: {s.State.ToString().ToLowerInvariant()} on {s.Silo ?? "–"}, epoch {s.EpochsDone}/{s.Epochs}");
        if (s.IsEvaluation && s.Last is { } t)
            line += string.Create(Inv, $", loss {Num(t.TrainLoss, "F4")}, train {Pct(t.TrainAcc)}%, test {Pct(t.TestAcc)}%, {t.Arch}");
        else if (s.Last is { } l)
        {
            line += string.Create(Inv, $", loss {Num(l.TrainLoss, "F4")}, valid {Pct(l.ValidAcc)}%");
            foreach (var m in metrics.Where(m => m.Headline && l.Metrics.ContainsKey(m.Key)))
                line += $", {m.Column} {m.Format(l.Metric(m.Key))}";
            line += $", {l.Arch}";
        }
        if (s.AlarmEpoch is { } at && s.EpochsDone >= at) line += $" — {s.Alarm}";
        return s.Reason is { } r && s.State != SeedState.Completed ? $"{line} ({r})" : line;
    }

    /// <summary>α of one epoch: edges × operations, the relaxed weights, the chosen op marked; a space's α groups one after the other.</summary>
    public static Table Alphas(SeedDetail detail, EpochSummary epoch)
    {
        var groups = detail.Groups.Length > 1
            ? " — " + string.Join(", ", detail.Groups.Zip(detail.GroupRows, (g, r) => $"{g} ({r} edges)"))
            : "";
        var table = new Table().Border(TableBorder.Simple).Title($"softmax(α) after epoch {epoch.Epoch}{groups} (raw α in --json)");
        table.AddColumn("edge");
        foreach (var op in detail.Ops) table.AddColumn(new TableColumn(op).RightAligned());
        var groupStarts = detail.GroupRows.Select((_, i) => detail.GroupRows.Take(i).Sum()).Skip(1).ToHashSet();
        for (var e = 0; e < epoch.OpWeights.Length; e++)
        {
            if (groupStarts.Contains(e)) table.AddEmptyRow();
            var row = epoch.OpWeights[e];
            var best = Array.IndexOf(row, row.Max());
            var cells = new List<IRenderable> { new Text(e < detail.Edges.Length ? detail.Edges[e] : e.ToString(Inv)) };
            cells.AddRange(row.Select((w, i) => new Text(w.ToString("F3", Inv), i == best ? new Style(decoration: Decoration.Bold) : Style.Plain)));
            table.AddRow(cells);
        }
        return table;
    }

    /// <summary>The epochs at which the derived cell changed (and the last one), with every declared metric the seed has.</summary>
    public static Table ArchHistory(SeedDetail detail)
    {
        var table = new Table().Border(TableBorder.Simple).Title("arch history (epochs where the cell changed)");
        var metrics = detail.Metrics.Where(m => detail.History.Any(h => h.Metrics.ContainsKey(m.Key))).ToList();
        foreach (var c in new[] { "epoch", "valid acc %" }.Concat(metrics.Select(m => m.Column)).Append("arch")) table.AddColumn(Markup.Escape(c));
        string? previous = null;
        var history = detail.History;
        for (var i = 0; i < history.Length; i++)
        {
            var h = history[i];
            if (h.Arch == previous && i != history.Length - 1) continue;
            previous = h.Arch;
            table.AddRow([h.Epoch.ToString(Inv), Pct(h.ValidAcc), .. metrics.Select(m => m.Format(h.Metric(m.Key))), Markup.Escape(h.Arch)]);
        }
        return table;
    }
}

/// <summary>Which seeds the tables show: a method, a state, and at most <see cref="Top"/> rows.</summary>
public sealed record SeedFilter(string? Method = null, SeedState? State = null, int Top = SeedFilter.DefaultTop)
{
    public const int DefaultTop = 40;

    public static SeedFilter All => new(Top: int.MaxValue);

    public bool Matches(SeedStatus s) => (Method is null || s.Method == Method) && (State is null || s.State == State);
}
