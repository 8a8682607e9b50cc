using System.Text.Json.Nodes;
using TorchSharp;
using SingleDarts.Search.Spaces.Nb201;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>
/// Methods as compositions: the presets hold their reference code's defaults, every preset searches on both spaces,
/// a composed method runs its preset's parts with the overrides, and combinations that cannot run are refused in one
/// sentence each. Resume of every preset is in <see cref="RunTests"/>; each part's fidelity to its reference in
/// PartsFidelityTests and RelaxationFidelityTests.
/// </summary>
[Trait("Category", "unit")]
public class MethodCompositionTests
{
    [Fact]
    public void The_presets_hold_their_reference_codes_defaults()
    {
        Assert.Equal(["single", "darts-v1", "darts-v2", "gdas", "drnas", "pc-darts", "sdarts-rs", "darts-minus", "beta-darts"], MethodPresets.Names);
        var c = MethodPresets.All.ToDictionary(p => p.Name, p => p.Composition);
        Assert.Equal(new MethodComposition(), c["single"]);
        Assert.Equal(new MethodComposition { Level = Level.FirstOrder }, c["darts-v1"]);
        Assert.Equal(new MethodComposition { Level = Level.SecondOrder }, c["darts-v2"]);
        Assert.Equal(new MethodComposition { Level = Level.FirstOrder, Relax = Relaxation.Gumbel, TauMax = 10, TauMin = 0.1 }, c["gdas"]);
        Assert.Equal(new MethodComposition { Level = Level.FirstOrder, Relax = Relaxation.Dirichlet }, c["drnas"]);
        Assert.Equal(new MethodComposition { Level = Level.FirstOrder, PartialChannels = 4, EdgeNormalization = true }, c["pc-darts"]);
        Assert.Equal(new MethodComposition { Level = Level.FirstOrder, Perturbation = 0.3 }, c["sdarts-rs"]);
        Assert.Equal(new MethodComposition { Level = Level.FirstOrder, AuxiliarySkip = true }, c["darts-minus"]);
        Assert.Equal(new MethodComposition { Level = Level.FirstOrder, BetaDecay = 50 }, c["beta-darts"]);
        Assert.All(MethodPresets.All, p => Assert.Empty(p.Composition.Problems()));
        // the schedules the run sets at each epoch's start: β-DARTS' 50·e/100 (its horizon fixed), SDARTS-RS' ε 0.03 → 0.3
        Assert.Equal([0.0, 5.0, 24.5], new[] { 0, 10, 49 }.Select(e => c["beta-darts"].BetaDecayAt(e, 50)));
        Assert.Equal(0.03, c["sdarts-rs"].PerturbationAt(0, 50), 12);
        Assert.Equal(0.03 + (0.3 - 0.03) * 49 / 50, c["sdarts-rs"].PerturbationAt(49, 50), 12);
        Assert.Equal(0, c["single"].BetaDecayAt(10, 50) + c["single"].PerturbationAt(10, 50));
    }

    public static TheoryData<string> Presets() => [.. MethodPresets.Names];

    [Theory]
    [MemberData(nameof(Presets))]
    public void Every_preset_searches_both_spaces_with_finite_losses_and_a_valid_genotype(string method)
    {
        foreach (var options in new[]
                 {
                     Tiny.Options(method, seed: 4, epochs: 2) with { Channels = 4 },
                     Tiny.Options(method, seed: 4, epochs: 2) with { Space = "darts", Channels = 4, Cells = 3, TrainSize = 64 },
                 })
        {
            var dir = Tiny.TempDir();
            var result = SearchRunner.Run(options, dir);
            Assert.True(double.IsFinite(result.TrainLoss), $"{method} on {options.Space}: loss {result.TrainLoss}");
            Assert.Equal(result.Arch, SearchSpaces.Get(options.Space).Parse(result.Arch).Text);
            Assert.All(result.Alphas.SelectMany(r => r), v => Assert.True(float.IsFinite(v)));
            // α moved between the epochs: the method's α step ran
            var epochs = File.ReadAllLines(Path.Combine(dir, "epochs.jsonl")).Select(l => JsonNode.Parse(l)!["alphas"]!.ToJsonString()).ToArray();
            Assert.Equal(2, epochs.Length);
            Assert.NotEqual(epochs[0], epochs[1]);
        }
    }

    [Fact]
    public void A_composed_method_runs_its_presets_parts_with_the_overrides_and_records_them()
    {
        var options = Tiny.Options("gdas-single", seed: 5) with { Preset = "gdas", Level = Level.Single, TauMin = 0.5 };
        Assert.Empty(options.Validate());
        Assert.Equal(MethodPresets.Get("gdas").Composition with { Level = Level.Single, TauMin = 0.5 }, options.Composition);
        Assert.False(options.IsBiLevel);

        var dir = Tiny.TempDir();
        var result = SearchRunner.Run(options, dir);
        Assert.Equal("gdas-single", result.Method);
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!["options"]!;
        Assert.Equal("gdas", (string)saved["preset"]!);
        Assert.Equal("single", (string)saved["level"]!);
        Assert.Equal(0.5, (double)saved["tau_min"]!);
        Assert.Equal(options.Composition, new RunFolder(dir).ReadOptions<SearchOptions>(RunKinds.Search).Composition);
    }

    [Fact]
    public void Single_level_composes_with_the_dirichlet_relaxation_and_a_preset_takes_overrides_on_the_command_line()
    {
        var single = Tiny.Options("single") with { Relax = Relaxation.Dirichlet, DirichletKl = 1 };
        Assert.Empty(single.Validate());
        Assert.Equal(new MethodComposition { Relax = Relaxation.Dirichlet, DirichletKl = 1 }, single.Composition);
        Assert.True(double.IsFinite(SearchRunner.Run(single, Tiny.TempDir()).TrainLoss));
    }

    public static TheoryData<string, string> Refused() => new()
    {
        { "second-order gumbel", "draws new weights in every forward" },
        { "single perturbation", "SDARTS-RS is bi-level" },
        { "kl without dirichlet", "use it with --relax dirichlet" },
        { "K not dividing", "--partial-channels 3 must divide --channels 4" },
        { "K zero", "--partial-channels must be at least 1" },
        { "negative beta", "--beta-decay must be a finite number" },
        { "tau order", "tau-max ≥ tau-min > 0" },
        { "unknown preset", "--preset: unknown preset 'gdass'" },
        { "unknown method", "--method: unknown method 'mine' (known: single, darts-v1" },
        { "bad composed name", "a composed method's name is letters" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Combinations_that_cannot_run_are_refused_in_one_sentence(string what, string expected)
    {
        var o = Tiny.Options() with { Channels = 4 };
        o = what switch
        {
            "second-order gumbel" => o with { Method = "darts-v2", Relax = Relaxation.Gumbel },
            "single perturbation" => o with { Perturbation = 0.3 },
            "kl without dirichlet" => o with { DirichletKl = 1 },
            "K not dividing" => o with { PartialChannels = 3 },
            "K zero" => o with { PartialChannels = 0 },
            "negative beta" => o with { BetaDecay = -1 },
            "tau order" => o with { Method = "gdas", TauMax = 0.1, TauMin = 1 },
            "unknown preset" => o with { Method = "mine", Preset = "gdass" },
            "unknown method" => o with { Method = "mine" },
            "bad composed name" => o with { Method = "my method!", Preset = "gdas" },
            _ => throw new ArgumentException(what),
        };
        var problems = o.Validate();
        var problem = Assert.Single(problems, p => p.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain('\n', problem);
        Assert.Throws<SearchConfigException>(() => new SearchRun(o));
    }

    [Theory]
    [InlineData(Relaxation.Gumbel)]
    [InlineData(Relaxation.Dirichlet)]
    public void A_sampling_relaxation_draws_in_training_and_runs_its_deterministic_weights_in_eval(Relaxation relaxation)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(8, CPU);
        using var model = new Nb201SearchModel(Tiny.Settings(4, 1, 4, relaxation), g);
        using var spread = 200.0.ToScalar();
        using (no_grad()) model.Alphas.mul_(spread);    // one operation per edge clearly ahead
        var x = Tiny.RandomBatch(9).Images;
        model.Training = false;
        using (no_grad())
        {
            var a = Tiny.Values(model.Forward(x));
            var b = Tiny.Values(model.Forward(x));
            Assert.Equal(a, b);
            // what eval runs: the argmax operations (GDAS) or the Dirichlet's mean (DrNAS), as plain mixture weights
            var weights = relaxation == Relaxation.Gumbel
                ? nn.functional.one_hot(model.Alphas.argmax(1), Primitives.Count).to(float32)
                : relaxation.Apply(model.Alphas);
            Assert.Equal(a, Tiny.Values(model.Net.forward(x, weights)), (p, q) => Math.Abs(p - q) < 1e-5);
        }
        if (relaxation == Relaxation.Dirichlet)
        {
            model.Training = true;
            using (no_grad()) Assert.NotEqual(Tiny.Values(model.Forward(x)), Tiny.Values(model.Forward(x)));
        }
    }

    [Fact]
    public void A_gdas_forward_computes_only_the_sampled_operations_with_the_value_of_the_one_hot_mixture()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(10, CPU);
        using var model = new Nb201SearchModel(Tiny.Settings(4, 1, 4, Relaxation.Gumbel), g);
        using var draws = new Generator(11, CPU);
        var sample = GumbelSoftmax.Sample(model.Alphas, 1.0, draws);
        var x = Tiny.RandomBatch(12).Images;
        model.Training = true;
        var before = model.Buffers.ToDictionary(b => b.Name, b => Tiny.Values(b.Tensor));
        Tensor sampledOut;
        using (no_grad()) sampledOut = model.Net.forward(x, new ArchWeights(sample.Hard, sample.Indices, null, 0));
        var after = model.Buffers.ToDictionary(b => b.Name, b => Tiny.Values(b.Tensor));
        using (no_grad())
            Assert.Equal(Tiny.Values(sampledOut), Tiny.Values(model.Net.forward(x, sample.Hard)), (p, q) => Math.Abs(p - q) < 1e-5);

        // a convolution's BatchNorm statistics move only on the edges that sampled it
        var checkedSlices = 0;
        foreach (var (name, values) in before.Where(b => b.Key.Contains("edges_from_") && b.Key.EndsWith("_mean", StringComparison.Ordinal)))
        {
            var source = int.Parse(name[(name.IndexOf("edges_from_", StringComparison.Ordinal) + 11)..].Split('.')[0]);
            var op = name.Contains("3x3") ? Primitives.Conv3x3 : Primitives.Conv1x1;
            var rows = CellWeights.RowsFrom(source);
            var width = values.Length / rows.Count;
            for (var t = 0; t < rows.Count; t++)
            {
                var moved = Enumerable.Range(t * width, width).Any(i => values[i] != after[name][i]);
                Assert.Equal(sample.Indices[rows[t]] == op, moved);
                checkedSlices++;
            }
        }
        Assert.True(checkedSlices >= 12, $"only {checkedSlices} BatchNorm slices found");
    }
}
