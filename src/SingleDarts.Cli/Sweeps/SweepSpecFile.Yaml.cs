using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SingleDarts.Abstractions;
using SingleDarts.Hosting;
using SingleDarts.Search.Data;
using SingleDarts.Search.IO;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Runs;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

using SingleDarts.Search;

namespace SingleDarts.Cli.Sweeps;

/// <summary>Reading a spec file's YAML or JSON, and where a broken one breaks.</summary>
public static partial class SweepSpecFile
{
    private static JsonObject Parse(string path)
    {
        if (InputLimits.TooLarge(path, InputLimits.SpecBytes, "a spec file") is { } tooLarge) throw new SearchConfigException(tooLarge);
        var text = File.ReadAllText(path);
        try
        {
            var json = Path.GetExtension(path).Equals(".json", StringComparison.OrdinalIgnoreCase);
            if (!json) Bound(text, path);
            var node = json
                ? JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = InputLimits.NestingDepth })
                : YamlToJson(text);
            return node as JsonObject ?? throw new SearchConfigException($"{path}: a spec is a mapping (name, methods, seeds, search, ...)");
        }
        catch (JsonException ex) when (ex.Message.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            throw new SearchConfigException(InputLimits.Beyond($"{path}: line {ex.LineNumber + 1}", "levels of nested objects and arrays", InputLimits.NestingDepth));
        }
        catch (JsonException ex)
        {
            throw new SearchConfigException($"{path}: not valid JSON ({ex.Message})");
        }
        catch (YamlException ex) when (ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && TabIndentation(text) is var (line, column, count))
        {
            // YamlDotNet places this error where the enclosing mapping starts (often line 1): name the tabs instead
            throw new SearchConfigException($"{path}: not valid YAML at line {line}, column {column} (a tab indents this line{(count > 1 ? $" and {count - 1} more" : "")}; YAML indents with spaces only)");
        }
        catch (YamlException ex)
        {
            throw new SearchConfigException($"{path}: not valid YAML at line {ex.Start.Line}, column {ex.Start.Column} ({ex.Message})");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this, without a position, on a flow collection left open at the end
            throw new SearchConfigException(UnclosedFlow(text) is var (line, column, bracket)
                ? $"{path}: not valid YAML at line {line}, column {column} (this '{bracket}' is never closed)"
                : $"{path}: not valid YAML (unexpected end of the file)");
        }
    }

    /// <summary>
    /// Where the first '[' or '{' that is never closed stands (1-based line and column), skipping quoted
    /// strings and comments; null when every bracket is closed.
    /// </summary>
    public static (int Line, int Column, char Bracket)? UnclosedFlow(string text)
    {
        var open = new Stack<(int, int, char)>();
        var (line, column) = (1, 0);
        char? quote = null;
        var comment = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            column++;
            if (c == '\n')
            {
                (line, column, comment) = (line + 1, 0, false);
                continue;
            }
            if (comment) continue;
            if (quote is { } q)
            {
                if (q == '\'' && c == q && i + 1 < text.Length && text[i + 1] == q) (i, column) = (i + 1, column + 1); // '' inside '...'
                else if (c == q && !(q == '"' && text[i - 1] == '\\')) quote = null;
                continue;
            }
            switch (c)
            {
                case '#' when i == 0 || char.IsWhiteSpace(text[i - 1]): comment = true; break;
                case '"' or '\'' when StartsScalar(text, i): quote = c; break;
                case '[' or '{': open.Push((line, column, c)); break;
                case ']' or '}' when open.Count > 0: open.Pop(); break;
            }
        }
        return open.Count == 0 ? null : open.Last();

        // a quote opens a string only where a scalar starts (Bob's in a plain scalar is an apostrophe)
        static bool StartsScalar(string text, int i)
        {
            var j = i - 1;
            while (j >= 0 && text[j] is ' ' or '\t') j--;
            return j < 0 || text[j] is '\n' or ':' or '[' or '{' or ',' or '-' or '?';
        }
    }

    /// <summary>The first line (1-based) indented with a tab, the tab's column and how many lines are; null when none is.</summary>
    public static (int Line, int Column, int Count)? TabIndentation(string text)
    {
        var lines = text.Split('\n');
        var tabbed = lines.Select((l, i) => (Line: i + 1, Indent: l[..(l.Length - l.TrimStart(' ', '\t').Length)]))
            .Where(x => x.Indent.Contains('\t')).ToList();
        return tabbed.Count == 0 ? null : (tabbed[0].Line, tabbed[0].Indent.IndexOf('\t') + 1, tabbed.Count);
    }

    /// <summary>YAML to JSON: plain scalars that read as numbers, booleans or null become those; quoted ones stay strings.</summary>
    private static JsonNode? YamlToJson(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? new JsonObject() : Convert(stream.Documents[0].RootNode);

        static JsonNode? Convert(YamlNode node) => node switch
        {
            YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", Convert(kv.Value)))),
            YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(Convert)]),
            YamlScalarNode { Style: ScalarStyle.Plain } s => Plain(s.Value ?? ""),
            YamlScalarNode s => JsonValue.Create(s.Value),
            _ => null,
        };

        static JsonNode? Plain(string v)
        {
            if (v is "" or "~" or "null" or "Null" or "NULL") return null;
            if (v is "true" or "True" or "TRUE") return JsonValue.Create(true);
            if (v is "false" or "False" or "FALSE") return JsonValue.Create(false);
            if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
            if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return JsonValue.Create(d);
            return JsonValue.Create(v);
        }
    }
}
