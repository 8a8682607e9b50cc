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
            search: {epochs: 3}
            """));
        Assert.Equal(["single", "gdas", "gdas-single"], spec.Methods);
        Assert.Equal(["gdas-single"], spec.MethodJson!.Keys);
        var composed = SweepValidation.OptionsFor(spec, "gdas-single", 1);
        Assert.Equal(("gdas-single", "gdas", 1L, 3), (composed.Method, composed.Preset, composed.Seed, composed.Epochs));
        // the composed method's own parts over the preset's; a preset stays the published method
        Assert.Equal(MethodPresets.Get("gdas").Composition with { Level = Level.Single, TauMin = 0.5 }, composed.Composition);
        Assert.Equal(MethodPresets.Get("gdas").Composition, SweepValidation.OptionsFor(spec, "gdas", 0).Composition);
        Assert.Null(SweepValidation.OptionsFor(spec, "single", 0).Preset);
    }

    [Theory]
    [InlineData("methods: [{name: mine, preset: gdas, lr: 0.1}]", "methods.mine.lr: not a part of a method")]
    [InlineData("methods: [single, gdas]\nsearch: {relax: sigmoid}", "search.relax: a part of a method; compose a method with it in methods")]
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

    [Theory]
    [InlineData("darts_es: on", 5, 0.75, 10)]
    [InlineData("darts_es: {window: 3, ratio: 0.5, start_epoch: 4}", 3, 0.5, 4)]
    public void Darts_es_is_on_with_the_papers_rule_or_the_specs_own(string yaml, int window, double ratio, int start)
    {
        var (spec, _) = SweepSpecFile.Read(Write($"name: s\nmethods: [darts-v1]\nseeds: [0]\n{yaml}\nsearch: {{epochs: 20}}\n"));
        Assert.Equal(new DartsEsSpec { Window = window, Ratio = ratio, StartEpoch = start }, spec.DartsEs);
        Assert.Equal(new DartsEarlyStop { Window = window, Ratio = ratio, StartEpoch = start }, SweepValidation.OptionsFor(spec, "darts-v1", 0).DartsEs);
        Assert.Null(SweepSpecFile.Read(Write("name: s\nmethods: [darts-v1]\nseeds: [0]\ndarts_es: off\n")).Spec.DartsEs);
    }

    [Theory]
    [InlineData("darts_es: on\nsearch: {hessian_every: 0}", "darts_es stops on λ_max, which is not measured: set hessian_every")]
    [InlineData("darts_es: {window: 0}", "darts_es.window must be at least 1 epoch")]
    [InlineData("darts_es: {k: 5}", "darts_es.k: unknown key (known: window, ratio, start_epoch)")]
    [InlineData("darts_es: sometimes", "darts_es: on, off, or a mapping")]
    [InlineData("darts_es: {ratio: 1}", "darts_es.ratio must be in (0, 1), got 1")]          // a whole number is a number, out of range
    [InlineData("darts_es: {ratio: x}", "darts_es.ratio: must be a number")]
    public void A_bad_darts_es_is_refused_in_one_sentence(string yaml, string expected)
    {
        var path = Write("name: s\nmethods: [darts-v1]\nseeds: [0]\n" + yaml + "\n");
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

    [Fact]
    public async Task A_seed_stopped_by_darts_es_completes_with_the_cell_it_returned_to_and_says_why()
    {
        var id = Tiny.NewId("darts-es");
        var spec = Tiny.Spec(["darts-v1"], [0], epochs: 8) with
        {
            SearchJson = SearchOptionsJson.ToJson(Tiny.Options(8) with { HessianEvery = 1 }),
            DartsEs = new DartsEsSpec { Window = 1, Ratio = 0.99, StartEpoch = 2 },
        };
        var direct = SearchRunner.Run(SweepValidation.OptionsFor(spec, "darts-v1", 0), Tiny.TempDir());
        Assert.NotNull(direct.ResultEpoch);     // the tiny seed meets the rule (DartsEarlyStopTests pins where)

        Assert.Empty((await fixture.Client.GetGrain<ISweepGrain>(id).Start(spec)).Problems);
        var status = await fixture.WaitForEnd(id, TimeSpan.FromMinutes(5));
        var seed = Assert.Single(status.Seeds);
        Assert.Equal(SeedState.Completed, seed.State);
        Assert.Equal(direct.Stop, seed.Reason);
        Assert.Equal(direct.ResultEpoch, seed.Last!.Epoch);
        Assert.Equal(direct.Arch, seed.Last.Arch);
        Assert.Equal(direct.ResultEpoch + 1, seed.EpochsDone);
    }

    private static int[] Bits(float[][] m) => [.. m.SelectMany(r => r).Select(BitConverter.SingleToInt32Bits)];
}
