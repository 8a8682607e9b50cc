using SingleDarts.Search.Relaxations;

namespace SingleDarts.Search.Options;

/// <summary>A named method: its composition with the defaults of its authors' reference code.</summary>
/// <param name="Reference">the reference implementation the defaults come from.</param>
public sealed record MethodPreset(string Name, string Summary, string Reference, MethodComposition Composition);

/// <summary>
/// The registry of method presets: the one list of their names. Each reproduces a published method with its reference
/// code's defaults (cited per part in Search/Parts and Search/Relaxations); a spec or the CLI composes any other method
/// from one of them (<c>--method gdas --level single</c>; a sweep's <c>methods: [{name: …, preset: gdas, level: single}]</c>).
/// Where the product deliberately differs from a reference (one shared training setup for every method of a sweep,
/// the seed's own generator for every draw), docs/methods.md says so.
/// </summary>
public static class MethodPresets
{
    public static readonly IReadOnlyList<MethodPreset> All =
    [
        new("single", "Single-DARTS: w and α stepped together on one training batch", "the Single-DARTS paper",
            new() { Level = Level.Single }),
        new("darts-v1", "first-order DARTS: α on a validation batch, then w", "quark0/darts (cnn/architect.py, unrolled=False)",
            new() { Level = Level.FirstOrder }),
        new("darts-v2", "second-order DARTS: α on the unrolled validation loss, then w", "quark0/darts (cnn/architect.py, unrolled=True)",
            new() { Level = Level.SecondOrder }),
        new("gdas", "GDAS: one operation per edge sampled by Gumbel-softmax (hard, straight-through), τ 10 → 0.1", "D-X-Y/AutoDL-Projects (search_model_gdas.py, GDAS.py)",
            new() { Level = Level.FirstOrder, Relax = Relaxation.Gumbel }),
        new("drnas", "DrNAS: operation weights drawn from a Dirichlet with concentration elu(α) + 1", "xiangning-chen/DrNAS (201-space, no progressive pruning)",
            new() { Level = Level.FirstOrder, Relax = Relaxation.Dirichlet }),
        new("pc-darts", "PC-DARTS: partial channel connections (K = 4, channel shuffle) and edge normalisation", "yuhuixu1993/PC-DARTS (model_search.py)",
            new() { Level = Level.FirstOrder, PartialChannels = 4, EdgeNormalization = true }),
        new("sdarts-rs", "SDARTS-RS: the w step under uniformly perturbed operation weights, ε 0.03 → 0.3", "xiangning-chen/SmoothDARTS (attacker/perturb.py)",
            new() { Level = Level.FirstOrder, Perturbation = Parts.AlphaPerturbation.DefaultEpsilon }),
        new("darts-minus", "DARTS-: an auxiliary skip connection on every edge, its coefficient decayed linearly 1 → 0", "Meituan-AutoML/DARTS- (model_search.py, DecayScheduler)",
            new() { Level = Level.FirstOrder, AuxiliarySkip = true }),
        new("beta-darts", "β-DARTS: the β-decay regulariser on α, its weight 50·epoch/100", "Sunshine-Ye/Beta-DARTS (architect.py)",
            new() { Level = Level.FirstOrder, BetaDecay = 50 }),
    ];

    /// <summary>Every preset's name, in the order they are listed to users.</summary>
    public static readonly IReadOnlyList<string> Names = [.. All.Select(m => m.Name)];

    public static bool TryGet(string? name, out MethodPreset preset)
    {
        preset = All.FirstOrDefault(m => m.Name == name)!;
        return preset is not null;
    }

    /// <summary>The preset of a known name.</summary>
    public static MethodPreset Get(string name) => TryGet(name, out var p) ? p : throw new ArgumentException($"unknown preset '{name}' (known: {Known})", nameof(name));

    /// <summary>Option text for help: "single, darts-v1, …".</summary>
    public static string Known => string.Join(", ", Names);
}
