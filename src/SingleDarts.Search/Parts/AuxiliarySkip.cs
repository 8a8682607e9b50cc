using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Parts;

/// <summary>How the auxiliary skip's coefficient falls over the epochs (DARTS-'s <c>--decay</c>).</summary>
public enum AuxiliarySkipDecay
{
    /// <summary>β_e = β₀·(T_max − e)/(T_max − T_start): DARTS-'s published setting.</summary>
    Linear,

    /// <summary>β_e = β₀·(1 + cos(π·e/(T_max − T_start)))/2.</summary>
    Cosine,

    /// <summary>β_e = β₀·cos(π/2·e/(T_max − T_start)).</summary>
    SlowCosine,

    /// <summary>β_e = β₀ throughout.</summary>
    Constant,
}

/// <summary>
/// DARTS-: every edge's mixed operation gets an extra skip connection, outside the softmax weighting,
/// with a coefficient β that decays from β₀ = 1 towards 0 over the search:
/// MixedOp(x) = Σ_op w_op·op(x) + β_e·aux(x). It gives the gradient a path that does not depend on the
/// learnable skip_connect, which then stops winning for the wrong reason (the "unfair advantage").
/// <para>
/// Reference: Meituan-AutoML/DARTS-, src/search/model_search.py (<c>MixedOp</c>: aux = Identity, or
/// on a stride-2 edge a <c>FactorizedReduce(C, C, affine=False)</c> with its own weights; <c>res +=
/// auxiliary_op(x) * decay_rate</c> after the weighted sum), src/utils.py (<c>DecayScheduler</c>),
/// src/search/args.py (defaults) and scripts/run_darts_minus.sh (the published run: <c>--auxiliary_skip
/// --skip_beta 1 --decay linear</c>). The scheduler is stepped once per epoch, at the epoch's start
/// (src/search/train_search.py), so β is constant within an epoch; it applies to every forward of the
/// epoch (w step and α step alike).
/// </para>
/// <para>
/// Defaults (DARTS space): β₀ = 1 (<c>--skip_beta</c>), T_start = 0, T_stop = 50, T_max = 50
/// (<c>--decay_start_epoch/--decay_stop_epoch/--decay_max_epoch</c>), 50 epochs. Linear then gives
/// β = 1 at epoch 0, 0.5 at epoch 25 and 0.02 at the last epoch (49): it never reaches 0 within the
/// search. Before T_start β = β₀; after T_stop it keeps the value of T_stop. NAS-Bench-201: the
/// repository has no NB201 code; NB201 cells have only stride-1 edges, so aux is the identity on every
/// edge and the term is exactly +β on the skip_connect weight (see <see cref="FoldIntoSkip"/>).
/// </para>
/// <para>
/// What we do differently: the scheduler is a pure function of the epoch (the reference holds the last
/// value in a field; stepped every epoch, as it is, the two agree). Nothing else.
/// </para>
/// </summary>
/// <param name="Decay">decay shape.</param>
/// <param name="Beta0">β₀ (<c>--skip_beta</c>).</param>
/// <param name="MaxEpoch">T_max (<c>--decay_max_epoch</c>); set it to the run's epoch count.</param>
/// <param name="StartEpoch">T_start.</param>
/// <param name="StopEpoch">T_stop.</param>
public sealed record AuxiliarySkipSchedule(
    AuxiliarySkipDecay Decay = AuxiliarySkipDecay.Linear,
    double Beta0 = 1.0,
    int MaxEpoch = 50,
    int StartEpoch = 0,
    int StopEpoch = 50)
{
    /// <summary>DARTS-'s published schedule for a search of <paramref name="epochs"/> epochs (linear, β₀ = 1, T_max = T_stop = epochs).</summary>
    public static AuxiliarySkipSchedule Linear(int epochs) => new(AuxiliarySkipDecay.Linear, 1.0, epochs, 0, epochs);

    /// <summary>β for epoch <paramref name="epoch"/> (0-based).</summary>
    public double Coefficient(int epoch)
    {
        if (MaxEpoch <= StartEpoch) throw new InvalidOperationException($"T_max ({MaxEpoch}) must exceed T_start ({StartEpoch})");
        if (epoch < StartEpoch) return Beta0;
        var e = Math.Min(epoch, StopEpoch);
        double span = MaxEpoch - StartEpoch;
        return Decay switch
        {
            AuxiliarySkipDecay.Linear => Beta0 * (MaxEpoch - e) / span,
            AuxiliarySkipDecay.Cosine => Beta0 * (1 + Math.Cos(Math.PI * e / span)) / 2,
            AuxiliarySkipDecay.SlowCosine => Beta0 * Math.Cos(Math.PI / 2 * e / span),
            AuxiliarySkipDecay.Constant => Beta0,
            _ => throw new ArgumentOutOfRangeException(nameof(Decay)),
        };
    }
}

/// <summary>The auxiliary skip term of DARTS- (see <see cref="AuxiliarySkipSchedule"/>).</summary>
public static class AuxiliarySkip
{
    /// <summary>
    /// mixed + β·aux: the mixed operation's weighted sum plus the auxiliary path. <paramref name="aux"/> is
    /// the edge's input on a stride-1 edge and a dedicated FactorizedReduce of it on a stride-2 edge; a
    /// [B, C, H, W] aux is broadcast over the edge dimension of a [B, k, C, H, W] mixed (NB201's stacked edges).
    /// </summary>
    public static Tensor Add(Tensor mixed, Tensor aux, double coefficient)
    {
        using var beta = coefficient.ToScalar();
        if (mixed.dim() == aux.dim() + 1)
        {
            using var perEdge = aux.unsqueeze(1);
            return mixed.add(perEdge, beta);
        }
        return mixed.add(aux, beta);
    }

    /// <summary>
    /// The same term folded into relaxed op weights [rows, ops]: +β on the skip_connect column. Exact
    /// wherever skip_connect is the identity and so is aux (every NB201 edge; DARTS stride-1 edges), since
    /// Σ_op w_op·op(x) + β·x = Σ_op (w_op + β·[op = skip])·op(x). β is a constant: α's gradient is unchanged.
    /// </summary>
    public static Tensor FoldIntoSkip(Tensor relaxed, int skipColumn, double coefficient)
    {
        var ops = relaxed.shape[^1];
        if (skipColumn < 0 || skipColumn >= ops) throw new ArgumentOutOfRangeException(nameof(skipColumn));
        var bump = new double[ops];
        bump[skipColumn] = coefficient;
        using var row = tensor(bump, dtype: relaxed.dtype, device: relaxed.device);
        return relaxed.add(row, Nn.Scalars.One);
    }
}
