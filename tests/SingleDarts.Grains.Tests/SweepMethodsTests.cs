using SingleDarts.Abstractions;
using SingleDarts.Cli.Sweeps;

namespace SingleDarts.Grains.Tests;

/// <summary>A spec's methods: presets by name, composed methods as mappings of their parts.</summary>
[Trait("Category", "unit")]
public sealed class SweepSpecMethodsTests
{
    private static string Write(string yaml)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("spec-").FullName, "spec.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void A_composed_method_is_its_presets_composition_with_its_parts_written_over_the_shared_options()
    {
        var (spec, _) = SweepSpecFile.Read(Write("""
            name: s
            methods: [single, gdas, {name: gdas-single, preset: gdas, level: single, tau_min: 0.5}]
            seeds: [0, 1]
            search: {epochs: 3, relax: softmax}
            """));
        Assert.Equal(["single", "gdas", "gdas-single"], spec.Methods);
        Assert.Equal(["gdas-single"], spec.MethodJson!.Keys);
        var composed = SweepValidation.OptionsFor(spec, "gdas-single", 1);
        Assert.Equal(("gdas-single", "gdas", 1L, 3), (composed.Method, composed.Preset, composed.Seed, composed.Epochs));
        // the composed method's own parts over the shared relax over the preset's
        Assert.Equal(MethodPresets.Get("gdas").Composition with { Level = Level.Single, TauMin = 0.5, Relax = Relaxation.Softmax }, composed.Composition);
        Assert.Equal(MethodPresets.Get("gdas").Composition with { Relax = Relaxation.Softmax }, SweepValidation.OptionsFor(spec, "gdas", 0).Composition);
        Assert.Null(SweepValidation.OptionsFor(spec, "single", 0).Preset);
    }

    [Theory]
    [InlineData("methods: [{name: mine, preset: gdas, lr: 0.1}]", "methods.mine.lr: not a part of a method")]
    [InlineData("methods: [{name: mine, level: single}]", "methods.mine: name the preset it is composed from")]
    [InlineData("methods: [{name: gdas, preset: gdas, tau_min: 0.5}]", "methods.gdas: a composed method needs a name of its own")]
    [InlineData("methods: [{name: mine, preset: gdass}]", "methods.mine: preset: unknown preset 'gdass'")]
    [InlineData("methods: [{name: mine, preset: gdas, level: second-order}]", "methods.mine: relax gumbel draws new weights in every forward")]
    [InlineData("methods: [{name: mine, preset: gdas, level: sideways}]", "search.level: unknown value \"sideways\"")]
    [InlineData("methods: [{preset: gdas}]", "methods: a composed method's mapping needs a name")]
    [InlineData("methods: [[single]]", "is not a method (a preset's name, or a mapping")]
    [InlineData("methods: [mine]", "methods: unknown method 'mine' (known: single, darts-v1, darts-v2, gdas")]
    [InlineData("methods: [single]\nsearch: {preset: gdas}", "search.preset: a composed method names its preset in methods")]
    public void A_bad_method_entry_is_refused_naming_the_method_and_what_is_wrong(string yaml, string expected)
    {
        var path = Write("name: s\nseeds: [0]\n" + yaml + "\n");
        var error = Assert.Throws<Search.SearchConfigException>(() => SweepSpecFile.Read(path));
        Assert.Contains(error.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Another_composition_under_the_same_name_is_another_sweep()
    {
        var (spec, _) = SweepSpecFile.Read(Write("name: s\nmethods: [{name: mine, preset: gdas, level: single}]\nseeds: [0]\n"));
        var other = spec with { MethodJson = new() { ["mine"] = """{"preset":"gdas","level":"first-order"}""" } };
        Assert.True(spec.SameSeeds(spec with { }));
        Assert.False(spec.SameSeeds(other));
    }
}

/// <summary>A sweep of presets and a composed method through the grains.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "integration")]
public sealed class SweepMethodsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_sweep_runs_new_presets_and_a_composed_method_each_seed_bit_identical_to_its_direct_search()
    {
        var id = Tiny.NewId("methods");
        var spec = Tiny.Spec(["gdas", "pc-darts", "drnas-single"], [0], epochs: 1) with
        {
            SearchJson = SearchOptionsJson.ToJson(Tiny.Options(1) with { Channels = 4 }),
            MethodJson = new() { ["drnas-single"] = """{"preset":"drnas","level":"single"}""" },
        };
        var start = await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec);
        Assert.Empty(start.Problems);
        var status = await fixture.WaitForEnd(id, TimeSpan.FromMinutes(5));
        Assert.Equal(SweepState.Completed, status.State);
        foreach (var seed in status.Seeds)
        {
            Assert.True(seed.State == SeedState.Completed, $"{seed.Method}: {seed.Reason}");
            var direct = SearchRunner.Run(SweepValidation.OptionsFor(spec, seed.Method, seed.Seed), Tiny.TempDir());
            Assert.Equal(direct.Arch, seed.Last!.Arch);
            Assert.Equal(Bits(direct.Alphas), Bits(seed.Last.Alphas));
        }
        Assert.Equal(["gdas", "pc-darts", "drnas-single"], status.Methods.Select(m => m.Method));
    }

    private static int[] Bits(float[][] m) => [.. m.SelectMany(r => r).Select(BitConverter.SingleToInt32Bits)];
}
