using SingleDarts.Cli;

namespace SingleDarts.Grains.Tests;

/// <summary>A CLI newer than the cluster's silos: the call the silos do not know becomes one line, not a stack trace.</summary>
[Trait("Category", "unit")]
public class VersionMismatchTests
{
    [Fact]
    public void Orleans_unresolvable_call_names_the_grain_interface_and_method()
    {
        // the message a silo built before ISweepGrain.GetSeedStage existed sent back to this CLI (observed 2026-11-30)
        const string message = "Unable to resolve type alias \"(\"inv\",[Orleans.Runtime.GrainReference],[SingleDarts.Abstractions.ISweepGrain],\"GetSeedStage\")\".";
        Assert.Equal("ISweepGrain.GetSeedStage", CliRunner.VersionMismatch(message));
    }

    [Theory]
    [InlineData("Could not load type 'Foo' from assembly 'Bar'.")]
    [InlineData("Unable to resolve type alias \"MyType\".")]
    public void Other_type_load_failures_are_not_taken_for_a_version_mismatch(string message) =>
        Assert.Null(CliRunner.VersionMismatch(message));
}
