using SingleDarts.Cli.Sweeps;

namespace SingleDarts.Grains.Tests;

/// <summary>Where a spec's YAML breaks, said with its line.</summary>
public sealed class SweepSpecFileTests
{
    [Theory]
    [InlineData("methods: [single\nseeds: [0]\n", 1, 10, '[')]
    [InlineData("name: Bob's sweep # it's [not] a list\nsearch: {epochs: 2\n", 2, 9, '{')]
    [InlineData("name: \"a [quoted\"\nseeds: [0, 1\n", 2, 8, '[')]
    [InlineData("seeds: [[0, 1], [2\n", 1, 8, '[')]
    public void The_first_bracket_never_closed_is_found(string yaml, int line, int column, char bracket)
    {
        Assert.Equal((line, column, bracket), SweepSpecFile.UnclosedFlow(yaml));
    }

    [Theory]
    [InlineData("methods: [single, darts-v1]\nsearch: {epochs: 2}\n")]
    [InlineData("name: 'it''s [fine'\n# a [comment\n")]
    public void Closed_brackets_and_brackets_in_strings_or_comments_are_not_reported(string yaml)
    {
        Assert.Null(SweepSpecFile.UnclosedFlow(yaml));
    }

    [Fact]
    public void An_unclosed_bracket_in_a_spec_file_is_refused_with_its_line()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("spec-").FullName, "spec.yaml");
        File.WriteAllText(path, "name: s\nmethods: [single\nseeds: 0");
        var error = Assert.Throws<Search.Runs.SearchConfigException>(() => SweepSpecFile.Read(path));
        Assert.Equal($"{path}: not valid YAML at line 2, column 10 (this '[' is never closed)", Assert.Single(error.Problems));
    }
}
