using SingleDarts.Search.Data;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>
/// What <c>--nb201</c> (a sweep's <c>nb201</c>) names: <c>builtin</c> (the table shipped inside the
/// program), <c>none</c>, or the path of a table of the same shape. Left out, an nb201 search on
/// CIFAR-10, CIFAR-100 or ImageNet16-120 uses the built-in table and any other search none: the table's
/// accuracies are those datasets', so on other data a rank would mean nothing.
/// </summary>
public static class Nb201Source
{
    public const string Builtin = "builtin", None = "none";

    /// <summary>A keyword rather than a path (a file called "builtin" is written ./builtin).</summary>
    public static bool IsKeyword(string? value) => value is Builtin or None;

    /// <summary>The table a run uses, or null; <paramref name="dataFormat"/> is the format the data was read as.</summary>
    public static Nb201Table? For(string? option, string space, string dataFormat)
    {
        var source = option ?? Default(space, dataFormat);
        return source == None ? null : Open(source);
    }

    public static string Default(string space, string dataFormat) =>
        space == Nb201Space.Instance.Name && dataFormat is DataFormats.Cifar10 or DataFormats.Cifar100 or DataFormats.ImageNet16 ? Builtin : None;

    /// <summary>The built-in table or the validated table at a path (a <see cref="DataException"/> names what is wrong).</summary>
    public static Nb201Table Open(string source) => source == Builtin ? Nb201Table.Builtin : Nb201Table.Load(source);

    /// <summary>Every problem with an <c>--nb201</c> value for a search of <paramref name="space"/>, as sentences naming the option.</summary>
    public static IEnumerable<string> Problems(string? option, string space)
    {
        if (option is null or None) yield break;
        if (space != Nb201Space.Instance.Name)
            yield return $"--nb201 is NAS-Bench-201's table: it ranks cells of the nb201 space, not of {space} (--nb201 none, or leave it out)";
        else if (option != Builtin && !File.Exists(option))
            yield return $"--nb201: no such file: {option} (or: {Builtin}, {None})";
    }
}
