using SingleDarts.Cli.Sweeps;

namespace SingleDarts.Grains.Tests;

/// <summary>Every spec under examples/ is one a user can start: it parses and passes the sweep's validation (no seed is run).</summary>
[Trait("Category", "unit")]
public sealed class ExampleSpecTests
{
    public static TheoryData<string> Specs() => [.. Directory.GetFiles(Path.Combine(Deploy.Root, "examples"), "*.yaml").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(Specs))]
    public void An_example_spec_is_valid(string file)
    {
        var (spec, id) = SweepSpecFile.Read(Path.Combine(Deploy.Root, "examples", file), null);
        Assert.NotEmpty(spec.Methods);
        Assert.False(string.IsNullOrEmpty(id));
    }
}
