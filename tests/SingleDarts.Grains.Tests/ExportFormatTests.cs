using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Parquet;
using SingleDarts.Abstractions;
using SingleDarts.Cli.Sweeps;
using SingleDarts.Reports;
using static SingleDarts.Grains.Tests.ExportFixtures;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// Each format of <c>sweep export</c> read back with its own reader — CSV with CsvHelper, JSON with System.Text.Json, Parquet
/// with Parquet.Net — and checked against the sweep's state: one header, the columns in order, each typed, every value.
/// </summary>
[Trait("Category", "unit")]
public sealed class ExportFormatTests
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static readonly string[] Columns =
    [
        "sweep", "method", "seed", "stage", "state", "silo", "space", "data", "synthetic_data", "epoch", "train_loss", "train_acc", "valid_acc",
        "test_acc", "lr", "images_per_second", "seconds", "arch", "alarm", "started_at", "finished_at", "cell.param_free", "alpha.entropy",
    ];

    public static async Task<string> Export(string format, bool synthetic = true)
    {
        var path = Path.Combine(Tiny.TempDir(), $"export.{(format == "full" ? "full.json" : format)}");
        await SweepExport.Write(path, format, Status(synthetic), Async(Details(synthetic)), CancellationToken.None);
        return path;
    }

    /// <summary>What each row must hold, as typed values (null: missing).</summary>
    private static object?[] Expected(SeedDetail d, EpochSummary e)
    {
        var s = d.Status;
        double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;
        return
        [
            "export-test", s.Method, s.Seed, "search", s.State.ToString().ToLowerInvariant(), s.Silo, "nb201", "synthetic", true, (long)e.Epoch,
            e.TrainLoss, e.TrainAcc, e.ValidAcc, null, e.Lr, e.ImagesPerSecond, e.Seconds, e.Arch, s.AlarmEpoch is { } a && e.Epoch >= a,
            s.StartedAt?.UtcDateTime, s.FinishedAt?.UtcDateTime, Finite(e.Metric("cell.param_free")), Finite(e.Metric("alpha.entropy")),
        ];
    }

    [Fact]
    public async Task The_CSV_has_one_header_and_typed_invariant_values_with_empty_fields_for_missing_ones()
    {
        var path = await Export("csv");
        var text = await File.ReadAllTextAsync(path);
        Assert.DoesNotContain("\r", text);
        Assert.DoesNotContain("n/a", text);
        Assert.DoesNotContain("NaN", text);
        Assert.Equal(string.Join(',', Columns), text.Split('\n')[0]);
        using var csv = CsvReader.Create(File.OpenRead(path), new CsvReaderOptions { HasHeader = false }, leaveOpen: false);
        var records = new List<string[]>();
        while (csv.Read()) records.Add([.. Enumerable.Range(0, csv.FieldCount).Select(csv.GetString)]);
        Assert.Equal(Columns, records[0]);
        var expected = Rows().ToList();
        Assert.Equal(expected.Count, records.Count - 1);                       // exactly one header row
        for (var i = 0; i < expected.Count; i++)
        {
            var want = Expected(expected[i].Seed, expected[i].Epoch);
            var got = records[i + 1];
            for (var c = 0; c < Columns.Length; c++)
                Assert.True(Equal(want[c], Parse(want[c], got[c])), $"row {i + 1}, {Columns[c]}: '{got[c]}' for {want[c]}");
        }
        // invariant culture: '.' decimals, no thousands separators, the shortest text that round-trips, a float always looks like one
        Assert.Contains(",1234567.891\n", text);
        Assert.Contains(",1E-07,", text);
        Assert.Contains(",6.0,", text);                                     // a whole-numbered metric stays a float64 column
        Assert.Contains(",2026-12-06T09:30:00.123Z,", text);
    }

    /// <summary>A CSV field parsed as the type of the value it should hold; empty is missing.</summary>
    private static object? Parse(object? want, string field) => field.Length == 0 ? null : want switch
    {
        long => long.Parse(field, NumberStyles.AllowLeadingSign, Inv),
        double => double.Parse(field, NumberStyles.Float, Inv),
        bool => field switch { "true" => true, "false" => false, _ => throw new FormatException($"not true/false: {field}") },
        DateTime => DateTime.ParseExact(field, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", Inv, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        _ => field,
    };

    private static bool Equal(object? want, object? got) => (want, got) switch
    {
        (DateTime a, DateTime b) => a == b && b.Kind == DateTimeKind.Utc,
        _ => Equals(want, got),
    };

    [Fact]
    public async Task The_JSON_is_an_array_of_records_with_numbers_booleans_nulls_and_ISO_UTC_times()
    {
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(await Export("json")));
        Assert.Equal(JsonValueKind.Array, doc.RootElement.ValueKind);
        var expected = Rows().ToList();
        var records = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(expected.Count, records.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(Columns, records[i].EnumerateObject().Select(p => p.Name));
            var want = Expected(expected[i].Seed, expected[i].Epoch);
            for (var c = 0; c < Columns.Length; c++)
            {
                var (v, w) = (records[i].GetProperty(Columns[c]), want[c]);
                object? got = v.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.True or JsonValueKind.False => v.GetBoolean(),
                    JsonValueKind.Number => w is long ? (object)v.GetInt64() : v.GetDouble(),
                    JsonValueKind.String when w is DateTime => Parse(w, v.GetString()!),
                    JsonValueKind.String => v.GetString(),
                    _ => throw new InvalidDataException($"{Columns[c]}: {v.ValueKind}"),
                };
                Assert.True(Equal(w, got), $"record {i}, {Columns[c]}: {v.GetRawText()} for {w}");
            }
        }
    }

    [Fact]
    public async Task The_Parquet_file_has_typed_columns_that_read_back_as_the_sweeps_values()
    {
        await using var reader = await ParquetReader.CreateAsync(await Export("parquet"));
        var fields = reader.Schema.DataFields;
        Assert.Equal(Columns, fields.Select(f => f.Name));
        // times as TIMESTAMP(MILLIS) adjusted to UTC, not the legacy INT96
        Assert.All(reader.Metadata!.Schema.Where(e => e.Name.EndsWith("_at", StringComparison.Ordinal)),
            e => Assert.True(e.LogicalType?.TIMESTAMP is { IsAdjustedToUTC: true } t && t.Unit.MILLIS is not null, e.Name));
        var expected = Rows().ToList();
        Assert.Equal(1, reader.RowGroupCount);
        using var group = reader.OpenRowGroupReader(0);
        Assert.Equal(expected.Count, group.RowCount);
        for (var c = 0; c < Columns.Length; c++)
        {
            var want = expected.Select(r => Expected(r.Seed, r.Epoch)[c]).ToArray();
            var f = fields[c];
            var type = TypeOf(Columns[c]);
            Assert.Equal(type, f.ClrType);
            object?[] got;
            if (type == typeof(long) || type == typeof(bool))
            {
                Assert.False(f.IsNullable, Columns[c]);                            // never missing
                got = type == typeof(long) ? await Read<long>(group, f, expected.Count) : await Read<bool>(group, f, expected.Count);
            }
            else if (type == typeof(double)) got = await ReadNullable<double>(group, f, expected.Count);
            else if (type == typeof(DateTime))
                got = [.. (await ReadNullable<DateTime>(group, f, expected.Count)).Select(t => (object?)(t is DateTime d ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : null))];
            else
            {
                var strings = new string?[expected.Count];
                await group.ReadAsync(f, strings.AsMemory());
                got = strings;
            }
            Assert.Equal(want, got);
        }
    }

    /// <summary>The type each column holds: whole numbers, float64 numbers (every declared metric among them), booleans, times, text.</summary>
    private static Type TypeOf(string column) => column switch
    {
        "seed" or "epoch" => typeof(long),
        "synthetic_data" or "alarm" => typeof(bool),
        "started_at" or "finished_at" => typeof(DateTime),
        "sweep" or "method" or "stage" or "state" or "silo" or "space" or "data" or "arch" => typeof(ReadOnlyMemory<char>),
        _ => typeof(double),
    };

    private static async Task<object?[]> Read<T>(ParquetRowGroupReader group, Parquet.Schema.DataField f, int n) where T : struct
    {
        var values = new T[n];
        await group.ReadAsync<T>(f, values.AsMemory());
        return [.. values.Select(v => (object?)v)];
    }

    private static async Task<object?[]> ReadNullable<T>(ParquetRowGroupReader group, Parquet.Schema.DataField f, int n) where T : struct
    {
        var values = new T?[n];
        await group.ReadAsync<T>(f, values.AsMemory());
        return [.. values.Select(v => (object?)v)];
    }

    [Fact]
    public async Task The_full_export_carries_the_synthetic_data_to_an_offline_report_and_the_table_export_is_refused_by_name()
    {
        var full = ReportInput.FromExport(await Export("full"), 1 << 20, 64);
        Assert.True(full.Sweep.SyntheticData);
        Assert.Equal("synthetic", full.Sweep.Data);
        Assert.False(ReportInput.FromExport(await Export("full", synthetic: false), 1 << 20, 64).Sweep.SyntheticData);
        var table = await Export("json");
        Assert.Contains("--format full", Assert.Throws<ReportException>(() => ReportInput.FromExport(table, 1 << 20, 64)).Message);
    }

    [Fact]
    public async Task Real_data_says_so_in_every_row()
    {
        var path = await Export("csv", synthetic: false);
        var rows = File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).ToList();
        var (data, synthetic) = (Array.IndexOf(Columns, "data"), Array.IndexOf(Columns, "synthetic_data"));
        Assert.All(rows, r => Assert.Equal(("cifar10", "false"), (r[data], r[synthetic])));
    }
}
