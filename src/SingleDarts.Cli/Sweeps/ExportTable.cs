using System.Globalization;
using SingleDarts.Abstractions;

namespace SingleDarts.Cli.Sweeps;

/// <summary>What a column holds, which fixes how each format writes it (CSV text, a JSON value, a Parquet type).</summary>
public enum ExportType
{
    /// <summary>A string; missing: empty (CSV), null (JSON, Parquet).</summary>
    Text,

    /// <summary>A whole number (64-bit), never missing.</summary>
    Integer,

    /// <summary>A float64; missing or not finite: empty (CSV), null (JSON, Parquet).</summary>
    Number,

    /// <summary>true or false, never missing.</summary>
    Boolean,

    /// <summary>An instant in UTC, ISO 8601 with a Z (CSV, JSON) or a UTC timestamp (Parquet); missing: empty or null.</summary>
    Time,
}

/// <summary>One column of the tidy table: its name, its type and its value in a row.</summary>
public sealed record ExportColumn(string Name, ExportType Type, Func<ExportRow, object?> Value);

/// <summary>A row of the tidy table: one epoch of one seed's stage (its search or its evaluation).</summary>
public sealed record ExportRow(SweepStatus Sweep, SeedDetail Seed, EpochSummary Epoch)
{
    public SeedStatus Status => Seed.Status;
}

/// <summary>
/// The tidy table every tabular export writes (CSV, JSON records, Parquet): one row per (seed, stage, epoch), the columns
/// every epoch has, then one per declared metric (its key; float64) in declaration order. The formats iterate over
/// <see cref="Columns"/>; none names a column of its own.
/// </summary>
public static class ExportTable
{
    public static IReadOnlyList<ExportColumn> Columns(SweepStatus status) =>
    [
        new("sweep", ExportType.Text, r => r.Sweep.Id),
        new("method", ExportType.Text, r => r.Status.Method),
        new("seed", ExportType.Integer, r => r.Status.Seed),
        new("stage", ExportType.Text, r => r.Status.Stage),
        new("state", ExportType.Text, r => r.Status.State.ToString().ToLowerInvariant()),
        new("silo", ExportType.Text, r => r.Status.Silo),
        new("space", ExportType.Text, r => r.Seed.Space.Length > 0 ? r.Seed.Space : r.Status.Space),
        new("data", ExportType.Text, r => r.Sweep.Data.Length > 0 ? r.Sweep.Data : null),
        new("synthetic_data", ExportType.Boolean, r => r.Sweep.SyntheticData),
        new("epoch", ExportType.Integer, r => (long)r.Epoch.Epoch),
        new("train_loss", ExportType.Number, r => r.Epoch.TrainLoss),
        new("train_acc", ExportType.Number, r => r.Epoch.TrainAcc),
        new("valid_acc", ExportType.Number, r => r.Epoch.ValidAcc),
        new("test_acc", ExportType.Number, r => r.Epoch.TestAcc),
        new("lr", ExportType.Number, r => r.Epoch.Lr),
        new("images_per_second", ExportType.Number, r => r.Epoch.ImagesPerSecond),
        new("seconds", ExportType.Number, r => r.Epoch.Seconds),
        new("arch", ExportType.Text, r => r.Epoch.Arch),
        new("alarm", ExportType.Boolean, r => r.Status.AlarmEpoch is { } at && r.Epoch.Epoch >= at),
        new("started_at", ExportType.Time, r => r.Status.StartedAt),
        new("finished_at", ExportType.Time, r => r.Status.FinishedAt),
        .. status.Metrics.Select(m => new ExportColumn(m.Key, ExportType.Number, r => r.Epoch.Metric(m.Key))),
    ];

    /// <summary>The rows of one seed's stage, its epochs in order.</summary>
    public static IEnumerable<ExportRow> Rows(SweepStatus status, SeedDetail seed) => seed.History.Select(e => new ExportRow(status, seed, e));

    /// <summary>A number as the table holds it: null where missing or not finite (NaN and ±∞ are no measurement).</summary>
    public static double? Number(object? value) => value switch
    {
        double d when double.IsFinite(d) => d,
        float f when float.IsFinite(f) => f,
        int i => i,
        long l => l,
        _ => null,
    };

    /// <summary>An instant in UTC; null where missing.</summary>
    public static DateTime? Time(object? value) => value switch
    {
        DateTimeOffset t => t.UtcDateTime,
        DateTime t => t.Kind == DateTimeKind.Utc ? t : t.ToUniversalTime(),
        _ => null,
    };

    /// <summary>ISO 8601 in UTC with a Z, to the millisecond: what pandas, Excel and every JSON reader parse.</summary>
    public static string IsoUtc(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A float64 as text: the shortest that round-trips, with a '.' or an exponent always (1 is "1.0", as pandas writes it), so
    /// that a column of whole-numbered values reads back as float64, the type it has in every other format.
    /// </summary>
    public static string Float(double d)
    {
        var text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.AsSpan().IndexOfAny('.', 'E') >= 0 ? text : text + ".0";
    }

    /// <summary>A value as CSV text: invariant culture, the shortest text that round-trips, true/false, empty for missing.</summary>
    public static string Text(ExportType type, object? value) => type switch
    {
        ExportType.Integer => Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        ExportType.Number => Number(value) is { } d ? Float(d) : "",
        ExportType.Boolean => value is true ? "true" : "false",
        ExportType.Time => Time(value) is { } t ? IsoUtc(t) : "",
        _ => value?.ToString() ?? "",
    };
}
