using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SingleDarts.Search;

/// <summary>The JSON conventions of run folders: snake_case names, enums as lower-case strings.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = Create(indented: true);

    /// <summary>One object per line (epochs.jsonl).</summary>
    public static readonly JsonSerializerOptions Line = Create(indented: false);

    private static JsonSerializerOptions Create(bool indented) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = indented,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // arch strings stay readable ('+' and '|' unescaped); the files are never embedded in HTML
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
