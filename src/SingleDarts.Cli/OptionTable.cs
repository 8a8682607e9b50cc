using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace SingleDarts.Cli;

/// <summary>
/// The command-line options of a run's options record, each declared once — its name, its description,
/// how it reads from and writes into the record — and from that one line: the option the parser knows, its
/// default in the help (per search space where the space decides it), the record built from what was given
/// (the rest from the defaults), and the resume check (an option given again must equal the run's).
/// </summary>
public sealed class OptionTable<T>(Func<string, T> defaultsOf, IReadOnlyList<string> spaces, string defaultSpace) where T : notnull
{
    private readonly List<IBinding> bindings = [];

    /// <summary>The options, in declaration order (for the command).</summary>
    public IEnumerable<Option> Options => bindings.Select(b => b.Option);

    /// <summary>An option of <typeparamref name="T"/>'s property: <paramref name="get"/> reads it (for defaults and the resume check), <paramref name="set"/> writes a given value.</summary>
    public Option<TValue> Add<TValue>(string name, string description, Func<T, TValue> get, Func<T, TValue, T> set, params string[] accepted)
    {
        var option = new Option<TValue>(name) { Description = $"{description} (default: {DefaultText(get)})" };
        if (accepted.Length > 0) option.AcceptOnlyFromAmong(accepted);
        bindings.Add(new Binding<TValue>(option, get, set));
        return option;
    }

    /// <summary>A flag whose presence sets something (e.g. --no-augment): <paramref name="get"/> says whether the record has it set.</summary>
    public Option<bool> Flag(string name, string description, Func<T, bool> get, Func<T, T> set)
    {
        var option = new Option<bool>(name) { Description = description };
        bindings.Add(new Binding<bool>(option, get, (o, on) => on ? set(o) : o));
        return option;
    }

    /// <summary>The option that names the search space (whose defaults the others start from).</summary>
    public Option<string>? Space { get; set; }

    /// <summary>The record: the chosen space's defaults with every option given on the command line written in.</summary>
    public T Build(ParseResult parse)
    {
        var space = Space is { } option && Given(parse, option) ? parse.GetValue(option)! : defaultSpace;
        return bindings.Aggregate(defaultsOf(space), (o, b) => b.Apply(o, parse));
    }

    /// <summary>The options given again on a resume that differ from the run's (<paramref name="saved"/>), one sentence each.</summary>
    public List<string> Conflicts(T saved, T given, ParseResult parse) =>
        [.. bindings.Select(b => b.Conflict(saved, given, parse)).OfType<string>().Select(c => $"--resume: {c} (a resumed run keeps its options)")];

    /// <summary>Whether the user gave <paramref name="option"/> (rather than leaving the default).</summary>
    public static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    private string DefaultText<TValue>(Func<T, TValue> get)
    {
        var values = spaces.Select(s => (Space: s, Value: Show(get(defaultsOf(s))))).ToList();
        return values.Select(v => v.Value).Distinct().Count() == 1 ? values[0].Value : string.Join(", ", values.Select(v => $"{v.Space} {v.Value}"));
    }

    private static string Show(object? value) => value switch
    {
        null => "none",
        bool b => b ? "true" : "false",
        Enum e => System.Text.Json.JsonSerializer.Serialize(e, Search.Json.Options).Trim('"'), // as options and specs write it
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private interface IBinding
    {
        Option Option { get; }
        T Apply(T options, ParseResult parse);
        string? Conflict(T saved, T given, ParseResult parse);
    }

    private sealed class Binding<TValue>(Option<TValue> option, Func<T, TValue> get, Func<T, TValue, T> set) : IBinding
    {
        public Option Option => option;

        public T Apply(T options, ParseResult parse) => Given(parse, option) ? set(options, parse.GetValue(option)!) : options;

        public string? Conflict(T saved, T given, ParseResult parse) =>
            Given(parse, option) && !EqualityComparer<TValue>.Default.Equals(get(saved), get(given))
                ? $"{option.Name} {Show(get(given))} differs from the run's {Show(get(saved))}"
                : null;
    }
}
