using System.Text.Json;
using SingleDarts.Abstractions;

namespace SingleDarts.Reports;

/// <summary>
/// Exports written before the per-epoch numbers were declared data (before the <c>metrics</c> object of each epoch) carried
/// every number as a property of its own (<c>"nb201_acc": 93.6</c>). Reading them typed would drop those numbers; this keeps
/// them in the epoch's <see cref="EpochSummary.Metrics"/> under their old names, for the caller to map to today's keys
/// (the hosting library's <c>OlderSweeps</c> knows the names and the space).
/// </summary>
public static class OlderExport
{
    /// <summary>The properties an epoch has of its own (snake_case, as exports write them): not numbers to keep.</summary>
    private static readonly HashSet<string> Typed = [.. typeof(EpochSummary).GetProperties().Select(p => WireJson.Options.PropertyNamingPolicy!.ConvertName(p.Name))];

    /// <param name="seeds">the export's <c>seeds</c> array, as read.</param>
    /// <param name="details">the same, deserialized.</param>
    public static SeedDetail[] KeepNumbers(JsonElement seeds, SeedDetail[] details)
    {
        if (seeds.ValueKind != JsonValueKind.Array) return details;
        var raw = seeds.EnumerateArray().ToArray();
        if (raw.Length != details.Length) return details;
        return [.. details.Select((d, i) => Kept(raw[i], d))];
    }

    private static SeedDetail Kept(JsonElement raw, SeedDetail detail)
    {
        var history = raw.TryGetProperty("history", out var h) && h.ValueKind == JsonValueKind.Array ? h.EnumerateArray().ToArray() : [];
        var last = raw.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty("last", out var l) ? l : default;
        return detail with
        {
            History = history.Length == detail.History.Length ? [.. detail.History.Select((e, i) => Kept(history[i], e))] : detail.History,
            Status = detail.Status.Last is { } epoch ? detail.Status with { Last = Kept(last, epoch) } : detail.Status,
        };
    }

    /// <summary>An epoch with a <c>metrics</c> object is of today's format and is left as it is.</summary>
    private static EpochSummary Kept(JsonElement raw, EpochSummary epoch)
    {
        if (raw.ValueKind != JsonValueKind.Object || raw.TryGetProperty("metrics", out _)) return epoch;
        var numbers = new Dictionary<string, double>(epoch.Metrics, StringComparer.Ordinal);
        foreach (var p in raw.EnumerateObject())
            if (!Typed.Contains(p.Name) && p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out var v)) numbers[p.Name] = v;
        return numbers.Count == epoch.Metrics.Count ? epoch : epoch with { Metrics = numbers };
    }
}
