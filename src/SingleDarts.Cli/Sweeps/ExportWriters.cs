using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Parquet;
using Parquet.Schema;
using SingleDarts.Abstractions;

namespace SingleDarts.Cli.Sweeps;

/// <summary>
/// The tidy table (<see cref="ExportTable"/>) as CSV, JSON records or Parquet, written as the seeds come (a window of them in
/// memory, never the sweep). Each writer turns a column's <see cref="ExportType"/> into its format's type and nothing else.
/// </summary>
public static class ExportWriters
{
    /// <summary>Rows per Parquet row group, at least (a row group is written when a window of seeds brings it over this).</summary>
    public const int RowGroupRows = 65_536;

    /// <summary>One header row, then a row per epoch; RFC 4180 quoting, invariant culture, '\n' line ends, UTF-8 without a BOM.</summary>
    public static async Task Csv(string path, SweepStatus status, IAsyncEnumerable<SeedDetail> seeds)
    {
        var columns = ExportTable.Columns(status);
        await using var writer = new StreamWriter(path);
        // no injection escaping: it would turn a negative number into text
        var options = CsvWriterOptions.Default with { NewLine = "\n", FormatProvider = CultureInfo.InvariantCulture, Injection = CsvInjection.None };
        await using var csv = CsvWriter.Create(writer, options, leaveOpen: false);
        csv.WriteHeader([.. columns.Select(c => c.Name)]);
        await foreach (var seed in seeds)
            foreach (var row in ExportTable.Rows(status, seed))
            {
                foreach (var c in columns) csv.WriteField(ExportTable.Text(c.Type, c.Value(row)));
                csv.EndRecord();
            }
    }

    /// <summary>An array of records, one per row, every column in each: numbers as numbers, true/false, null for missing, times as ISO 8601 UTC strings.</summary>
    public static async Task JsonRecords(string path, SweepStatus status, IAsyncEnumerable<SeedDetail> seeds, CancellationToken cancel)
    {
        var columns = ExportTable.Columns(status);
        await using var file = File.Create(path);
        await using (var json = new Utf8JsonWriter(file, new JsonWriterOptions { Encoder = WireJson.Options.Encoder }))
        {
            json.WriteStartArray();
            await foreach (var seed in seeds)
            {
                foreach (var row in ExportTable.Rows(status, seed))
                {
                    json.WriteStartObject();
                    foreach (var c in columns) Write(json, c, c.Value(row));
                    json.WriteEndObject();
                }
                await json.FlushAsync(cancel);
            }
            json.WriteEndArray();
        }
        await file.WriteAsync("\n"u8.ToArray(), cancel);
    }

    private static void Write(Utf8JsonWriter json, ExportColumn c, object? value)
    {
        json.WritePropertyName(c.Name);
        switch (c.Type)
        {
            case ExportType.Integer: json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case ExportType.Number when ExportTable.Number(value) is { } d: json.WriteRawValue(ExportTable.Float(d)); break;     // 1.0, not 1: float64
            case ExportType.Boolean: json.WriteBooleanValue(value is true); break;
            case ExportType.Time when ExportTable.Time(value) is { } t: json.WriteStringValue(ExportTable.IsoUtc(t)); break;
            case ExportType.Text when value is not null: json.WriteStringValue(value.ToString()); break;
            default: json.WriteNullValue(); break;
        }
    }

    /// <summary>Parquet: string (UTF-8), int64, float64 (nullable), boolean, UTC timestamp columns; a row group per ~<see cref="RowGroupRows"/> rows.</summary>
    public static async Task Parquet(string path, SweepStatus status, IAsyncEnumerable<SeedDetail> seeds, CancellationToken cancel)
    {
        var columns = ExportTable.Columns(status);
        var fields = columns.Select(Field).ToArray();
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), file, cancellationToken: cancel);
        var rows = new List<ExportRow>();
        await foreach (var seed in seeds)
        {
            rows.AddRange(ExportTable.Rows(status, seed));
            if (rows.Count < RowGroupRows) continue;
            await RowGroup(writer, columns, fields, rows, cancel);
            rows.Clear();
        }
        // an empty sweep still gets its schema (a file with no row group)
        if (rows.Count > 0) await RowGroup(writer, columns, fields, rows, cancel);
    }

    private static DataField Field(ExportColumn c) => c.Type switch
    {
        ExportType.Integer => new DataField<long>(c.Name),
        ExportType.Number => new DataField<double?>(c.Name),
        ExportType.Boolean => new DataField<bool>(c.Name),
        // TIMESTAMP(MILLIS, isAdjustedToUTC): readers see UTC instants (the default, INT96, is a legacy type without a zone)
        ExportType.Time => new DateTimeDataField(c.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis, isNullable: true),
        _ => new DataField<string>(c.Name, nullable: true),
    };

    private static async Task RowGroup(ParquetWriter writer, IReadOnlyList<ExportColumn> columns, DataField[] fields, List<ExportRow> rows, CancellationToken cancel)
    {
        using var group = writer.CreateRowGroup();
        for (var i = 0; i < columns.Count; i++)
        {
            var (c, f) = (columns[i], fields[i]);
            var task = c.Type switch
            {
                ExportType.Integer => group.WriteAsync<long>(f, rows.Select(r => Convert.ToInt64(c.Value(r), CultureInfo.InvariantCulture)).ToArray(), cancellationToken: cancel),
                ExportType.Number => group.WriteAsync<double>(f, rows.Select(r => ExportTable.Number(c.Value(r))).ToArray(), cancellationToken: cancel),
                ExportType.Boolean => group.WriteAsync<bool>(f, rows.Select(r => c.Value(r) is true).ToArray(), cancellationToken: cancel),
                ExportType.Time => group.WriteAsync<DateTime>(f, rows.Select(r => ExportTable.Time(c.Value(r))).ToArray(), cancellationToken: cancel),
                _ => group.WriteAsync(f, rows.Select(r => c.Value(r)?.ToString()).ToArray()!),
            };
            await task;
        }
    }
}
