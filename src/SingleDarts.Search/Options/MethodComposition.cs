using System.Text.Json.Serialization;
using SingleDarts.Search.Relaxations;

namespace SingleDarts.Search.Options;

/// <summary>How w and α get their gradients: from one pass on one batch, or bi-level (α on held-out batches), first or second order.</summary>
public enum Level
{
    /// <summary>Single-DARTS: one forward/backward on one training batch gives both gradients; both step.</summary>
    Single,

    /// <summary>First-order bi-level (DARTS-V1): α on a held-out batch at the current w, then w on a training batch.</summary>
    [JsonStringEnumMemberName("first-order")]
    FirstOrder,

    /// <summary>Second-order bi-level (DARTS-V2): α on the unrolled held-out loss (finite-difference Hessian-vector product), then w.</summary>
    [JsonStringEnumMemberName("second-order")]
    SecondOrder,
}

public static class Levels
{
    /// <summary>Every level as options and specs write it.</summary>
    public static readonly IReadOnlyList<string> Names = ["single", "first-order", "second-order"];

    public static string ToOption(this Level level) => Names[(int)level];

    public static Level Parse(string text) => (Level)Names.ToList().IndexOf(text) is var l && (int)l >= 0
        ? l : throw new FormatException($"unknown level '{text}' (known: {string.Join(", ", Names)})");
}

/// <summary>
/// A search method as a composition: an optimisation level × a relaxation of α into operation weights × optional
/// parts. Presets (<see cref="MethodPresets"/>) reproduce the published methods; any other combination is the same
/// record with other values (e.g. single-level + Dirichlet).
/// </summary>
public sealed record MethodComposition
{
    public Level Level { get; init; } = Level.Single;
    public Relaxation Relax { get; init; } = Relaxation.Softmax;

    /// <summary>PC-DARTS partial channel connections: 1/K of each edge's channels go through its operations (1: off).</summary>
    public int PartialChannels { get; init; } = 1;

    /// <summary>PC-DARTS edge normalisation: a β per edge, softmax over the edges into each node.</summary>
    public bool EdgeNormalization { get; init; }

    /// <summary>SDARTS-RS: the largest ε of the uniform perturbation of the relaxed weights in the w step (0: off); ε grows 0.03 → this over the epochs.</summary>
    public double Perturbation { get; init; }

    /// <summary>DARTS-: an auxiliary skip connection on every edge, its coefficient decayed linearly 1 → 0 over the epochs.</summary>
    public bool AuxiliarySkip { get; init; }

    /// <summary>β-DARTS: the β-decay regulariser's scale λ: its weight is λ·epoch/100 (the reference's 50: 0.5 per epoch; 0: off).</summary>
    public double BetaDecay { get; init; }

    /// <summary>GDAS: the Gumbel-softmax temperature, annealed linearly from the first to the second over the epochs.</summary>
    public double TauMax { get; init; } = GumbelSoftmax.TauMax;
    public double TauMin { get; init; } = GumbelSoftmax.TauMin;

    /// <summary>DrNAS: the scale of its KL regulariser (0: its default, plain weight decay of α).</summary>
    public double DirichletKl { get; init; }

    [JsonIgnore]
    public bool IsBiLevel => Level != Level.Single;

    /// <summary>The strategy of its level.</summary>
    public Strategies.ISearchStrategy Strategy() => Strategies.SearchStrategies.Create(IsBiLevel, Level == Level.SecondOrder);

    /// <summary>Every reason this combination cannot run, one sentence each.</summary>
    public IEnumerable<string> Problems()
    {
        if (PartialChannels < 1) yield return $"--partial-channels must be at least 1 (1 turns it off), got {PartialChannels}";
        if (!(Perturbation >= 0 && Perturbation < 1)) yield return $"--perturbation must be in [0, 1) (0 turns it off), got {Perturbation}";
        if (!(BetaDecay >= 0) || double.IsInfinity(BetaDecay)) yield return $"--beta-decay must be a finite number, not negative (0 turns it off), got {BetaDecay}";
        if (!(TauMin > 0 && TauMax >= TauMin) || double.IsInfinity(TauMax)) yield return $"--tau-max and --tau-min must be finite with tau-max ≥ tau-min > 0, got {TauMax} and {TauMin}";
        if (!(DirichletKl >= 0) || double.IsInfinity(DirichletKl)) yield return $"--dirichlet-kl must be a finite number, not negative (0: plain weight decay), got {DirichletKl}";
        if (DirichletKl > 0 && Relax != Relaxation.Dirichlet) yield return "--dirichlet-kl regularises the Dirichlet relaxation: use it with --relax dirichlet";
        if (Level == Level.SecondOrder && Relax.Samples())
            yield return $"--relax {Relax.ToOption()} draws new weights in every forward: the second-order step's finite differences would compare different draws (use --level first-order or single)";
        if (Level == Level.Single && Perturbation > 0)
            yield return "--perturbation perturbs α in the w step only, and single-level search steps w and α from one pass: use --level first-order (SDARTS-RS is bi-level)";
    }

    /// <summary>The SDARTS-RS ε of a 0-based epoch: 0.03 at the first, rising linearly by (max − 0.03)/epochs per epoch.</summary>
    public double PerturbationAt(int epoch, int epochs) => Perturbation <= 0 ? 0 : Parts.AlphaPerturbation.Epsilon(epoch, epochs, Perturbation);

    /// <summary>The β-decay weight of a 0-based epoch: λ·epoch/100, the reference's schedule (its horizon is fixed, not the epoch count).</summary>
    public double BetaDecayAt(int epoch, int epochs) => BetaDecay <= 0 ? 0 : Parts.BetaDecay.Weight(epoch, BetaDecay);

    /// <summary>One line: "first-order, gumbel (τ 10 → 0.1)", "single, softmax, partial channels 1/4, edge normalisation".</summary>
    public override string ToString()
    {
        var parts = new List<string> { Level switch { Level.Single => "single-level", Level.FirstOrder => "first-order bi-level", _ => "second-order bi-level" } };
        parts.Add(Relax == Relaxation.Gumbel ? $"gumbel (τ {TauMax:G4} → {TauMin:G4})" : Relax.ToOption());
        if (PartialChannels > 1) parts.Add($"partial channels 1/{PartialChannels}");
        if (EdgeNormalization) parts.Add("edge normalisation");
        if (Perturbation > 0) parts.Add($"α perturbation ε → {Perturbation:G4}");
        if (AuxiliarySkip) parts.Add("auxiliary skip 1 → 0");
        if (BetaDecay > 0) parts.Add($"β-decay {BetaDecay:G4}·epoch/100");
        if (DirichletKl > 0) parts.Add($"KL {DirichletKl:G4}");
        return string.Join(", ", parts);
    }
}
