using SingleDarts.Cli.Sweeps;

namespace SingleDarts.Grains.Tests;

/// <summary>Hostile spec files: each refused at once with one line naming the limit it passes (InputLimits).</summary>
[Trait("Category", "unit")]
public sealed class SpecLimitsTests
{
    private static string Write(string text, string name = "spec.yaml")
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("spec-").FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Refused(string path)
    {
        // refused while counting, before anything is built (its time and memory are measured, not asserted: docs/troubleshooting.md)
        var error = Assert.Throws<Search.SearchConfigException>(() => SweepSpecFile.Read(path));
        return Assert.Single(error.Problems);
    }

    [Fact]
    public void A_nine_level_alias_bomb_is_refused_before_it_is_expanded_naming_the_node_limit()
    {
        // 9 lists of 9 aliases to the list before: 9^10 scalars once expanded, in about 600 bytes
        var lines = new List<string> { "a0: &a0 [x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i <= 9; i++) lines.Add($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]");
        var path = Write("name: bomb\nmethods: [single]\nseeds: [0]\n" + string.Join('\n', lines) + "\n");
        Assert.True(new FileInfo(path).Length < 1024);
        Assert.Equal($"{path}: line 9: more than 100,000 nodes once aliases are expanded (the limit; see docs/troubleshooting.md, \"Input limits\")", Refused(path));
    }

    [Fact]
    public void More_aliases_than_the_limit_are_refused_even_when_they_expand_to_little()
    {
        var path = Write("name: s\nx: &x 1\nmany: [" + string.Join(", ", Enumerable.Repeat("*x", 1_001)) + "]\n");
        Assert.Contains("more than 1,000 aliases (*name) (the limit", Refused(path));
    }

    [Fact]
    public void An_alias_inside_the_node_it_names_is_refused_as_a_cycle()
    {
        var path = Write("name: s\nloop: &l [1, *l]\n");
        Assert.Equal($"{path}: line 2: the alias *l is inside the node it names (a cycle)", Refused(path));
    }

    [Fact]
    public void Yaml_nested_deeper_than_the_limit_is_refused()
    {
        var path = Write("name: s\ndeep: " + new string('[', 65) + new string(']', 65) + "\n");
        Assert.Contains("more than 64 levels of nested mappings and lists (the limit", Refused(path));
    }

    [Fact]
    public void Json_nested_deeper_than_the_limit_is_refused()
    {
        var path = Write("{\"name\": \"s\", \"deep\": " + new string('[', 100) + new string(']', 100) + "}", "spec.json");
        Assert.Contains("more than 64 levels of nested objects and arrays (the limit", Refused(path));
    }

    [Fact]
    public void A_spec_file_over_the_size_limit_is_refused_before_it_is_read()
    {
        var path = Write("name: s\n");
        using (var f = File.OpenWrite(path)) f.SetLength(3L << 20);   // sparse: nothing is written
        Assert.Equal($"{path}: 3 MiB is more than a spec file may have (1 MiB; see docs/troubleshooting.md, \"Input limits\")", Refused(path));
    }

    [Fact]
    public void Tab_indentation_is_reported_at_the_first_tabbed_line()
    {
        var path = Write("name: t\nmethods: [single]\nseeds: [0]\nsearch:\n\tepochs: 2\n\tchannels: 4\n\tcells: 1\n");
        Assert.Equal($"{path}: not valid YAML at line 5, column 1 (a tab indents this line and 2 more; YAML indents with spaces only)", Refused(path));
    }

    [Fact]
    public void A_folder_given_as_the_spec_file_is_named_a_folder()
    {
        var dir = Directory.CreateTempSubdirectory("spec-").FullName;
        Assert.Equal($"-f: {dir} is a folder; name a spec file (.yaml or .json)", Refused(dir));
    }
}
