using SingleDarts.Cli.Sweeps;

namespace SingleDarts.Grains.Tests;

/// <summary>Where a spec's YAML breaks, said with its line.</summary>
[Trait("Category", "unit")]
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
        var error = Assert.Throws<Search.SearchConfigException>(() => SweepSpecFile.Read(path));
        Assert.Equal($"{path}: not valid YAML at line 2, column 10 (this '[' is never closed)", Assert.Single(error.Problems));
    }
}

/// <summary>Seeds per method: a spec may give each method its own seed list.</summary>
[Trait("Category", "unit")]
public sealed class SweepSpecSeedsTests
{
    private static string Write(string yaml)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("spec-").FullName, "spec.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void A_seed_list_per_method_gives_each_method_its_seeds_in_spec_order()
    {
        var (spec, _) = SweepSpecFile.Read(Write("name: s\nseeds:\n  single: [0, 1, 2]\n  darts-v2: [0]\nsearch: {epochs: 1}\n"));
        Assert.Equal(["single", "darts-v2"], spec.Methods);
        Assert.Equal([0L, 1, 2], spec.SeedsOf("single"));
        Assert.Equal([0L], spec.SeedsOf("darts-v2"));
        Assert.Equal([("single", 0L), ("single", 1L), ("single", 2L), ("darts-v2", 0L)], spec.Pairs().ToList());
        Assert.Equal(4, spec.PairCount);
        Assert.Equal("single: 0, 1, 2; darts-v2: 0", spec.SeedsText());
    }

    [Fact]
    public void One_seed_list_is_every_methods_seeds()
    {
        var (spec, _) = SweepSpecFile.Read(Write("name: s\nmethods: [single, darts-v1]\nseeds: [3, 4]\nsearch: {epochs: 1}\n"));
        Assert.Null(spec.MethodSeeds);
        Assert.Equal([("single", 3L), ("single", 4L), ("darts-v1", 3L), ("darts-v1", 4L)], spec.Pairs().ToList());
    }

    [Theory]
    [InlineData("methods: [single, darts-v1]\nseeds: {single: [0]}\n", "seeds.darts-v1: the method 'darts-v1' has no seed list")]
    [InlineData("methods: [single]\nseeds: {single: [0], darts-v2: [1]}\n", "seeds.darts-v2: 'darts-v2' is not one of the sweep's methods")]
    [InlineData("seeds: {single: [0, 0]}\n", "seeds.single: 0 is listed 2 times")]
    [InlineData("seeds: {single: []}\n", "seeds.single: give at least one seed")]
    [InlineData("seeds: {single: 3}\n", "seeds.single: must be a list")]
    [InlineData("seeds: {single: [x]}\n", "seeds.single: 'x' is not a whole number")]
    public void A_bad_per_method_seed_list_is_refused_naming_the_method(string yaml, string expected)
    {
        var path = Write("name: s\n" + yaml);
        var error = Assert.Throws<Search.SearchConfigException>(() => SweepSpecFile.Read(path));
        Assert.Contains(error.Problems, p => p.Contains(expected));
    }
}
