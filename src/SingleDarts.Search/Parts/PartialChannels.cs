using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SingleDarts.Search.Parts;

/// <summary>
/// PC-DARTS partial channel connections: a mixed operation sees only the first C/K channels of its
/// input; the other C − C/K channels pass by it unchanged; the two parts are concatenated (operated
/// channels first) and channel-shuffled in K groups, so that the next edge's first C/K channels are
/// a different slice of the features.
/// <para>
/// Reference: yuhuixu1993/PC-DARTS, model_search.py (<c>channel_shuffle</c>, <c>MixedOp.forward</c>,
/// K = <c>self.k</c> = 4). In a reduction cell the stride-2 edges shrink the operated part, so the
/// bypass goes through MaxPool2d(2, 2) before the concatenation (the reference tells the two cases
/// apart by comparing spatial sizes; so does <see cref="Combine"/>). The operations are built for
/// C/K channels; pooling operations keep their BatchNorm(affine = false) as in DARTS.
/// </para>
/// <para>
/// NAS-Bench-201: PC-DARTS has no NB201 code of its own. The NB201 partial-channel cell found is
/// xiangning-chen/DrNAS, 201-space/search_cells.py (<c>NAS201SearchCell_PartialChannel</c>): the same
/// split / concatenate / shuffle, no bypass pooling (NB201 cells never change resolution: the
/// reductions are fixed ResNet blocks), K a command-line option (train_search.py <c>--k</c> default 1,
/// i.e. off; train_search_progressive.py default 4) and no edge normalisation.
/// automl/NASLib's naslib/optimizers/oneshot/pc_darts/optimizer.py (the version indexed here) samples
/// Dirichlet weights and has no partial channels, so it is no reference for this part.
/// </para>
/// <para>
/// What we do differently: nothing in the arithmetic. <see cref="Combine"/> also accepts the operated
/// part with a leading edge dimension ([B, k, C/K, H, W]) and a shared bypass ([B, C − C/K, H, W]),
/// which is what NB201's stacked <c>MixedOps</c> produces for the k edges that leave one node (they
/// all split the same input, so they share one bypass). Channel counts that K does not divide are
/// refused (the reference's <c>view</c> would fail on them too).
/// </para>
/// </summary>
public static class PartialChannels
{
    /// <summary>PC-DARTS's K for CIFAR-10 (1/K of the channels go through the operations).</summary>
    public const int DefaultK = 4;

    /// <summary>Channels that go through the operations: C / K.</summary>
    public static long ActiveChannels(long channels, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"K must be at least 1, not {k}");
        if (channels % k != 0) throw new ArgumentException($"partial channels need C divisible by K: C = {channels}, K = {k}", nameof(channels));
        return channels / k;
    }

    /// <summary>
    /// The first C/K channels (through the operations) and the remaining C − C/K (past them), as views
    /// of <paramref name="x"/> [..., C, H, W].
    /// </summary>
    public static (Tensor Active, Tensor Bypass) Split(Tensor x, int k)
    {
        var c = x.shape[^3];
        var a = ActiveChannels(c, k);
        return (x.narrow(-3, 0, a), x.narrow(-3, a, c - a));
    }

    /// <summary>
    /// ShuffleNet's channel shuffle over the channel dimension of [..., C, H, W]: view the channels as
    /// [groups, C/groups], transpose, flatten. Output channel j is input channel
    /// <see cref="ShufflePermutation"/>(C, groups)[j].
    /// </summary>
    public static Tensor Shuffle(Tensor x, int groups)
    {
        var shape = x.shape;
        var c = shape[^3];
        var perGroup = ActiveChannels(c, groups);
        long[] grouped = [.. shape[..^3], groups, perGroup, shape[^2], shape[^1]];
        using var view = x.reshape(grouped);
        using var swapped = view.transpose(-4, -3);
        return swapped.reshape(shape);
    }

    /// <summary>Input channel read by each output channel of <see cref="Shuffle"/>: perm[j] = (j mod g)·(C/g) + ⌊j/g⌋.</summary>
    public static long[] ShufflePermutation(long channels, int groups)
    {
        var perGroup = ActiveChannels(channels, groups);
        var perm = new long[channels];
        for (var j = 0L; j < channels; j++) perm[j] = j % groups * perGroup + j / groups;
        return perm;
    }

    /// <summary>
    /// Concatenates the operated channels and the bypass, then shuffles in K groups. When the operated
    /// part is spatially smaller (a stride-2 edge of a reduction cell) the bypass is max-pooled 2×2
    /// with stride 2 first, as in PC-DARTS.
    /// </summary>
    /// <param name="mixed">Σ_op w_op·op(active): [B, C/K, H', W'], or [B, k, C/K, H', W'] for k edges sharing one input.</param>
    /// <param name="bypass">the channels that skipped the operations: [B, C − C/K, H, W].</param>
    /// <param name="k">K, the shuffle's groups.</param>
    /// <param name="bypassWeights">
    /// optional per-edge factors on the bypass ([k] for a [B, k, …] operated part, one element otherwise):
    /// with edge normalisation folded into the op weights (<see cref="EdgeNormalization.Scale"/>), the
    /// bypass must carry the same softmax(β)_e, since β_e·shuffle(cat(m, b)) = shuffle(cat(β_e·m, β_e·b)).
    /// </param>
    /// <returns>[B, C, H', W'] (or [B, k, C, H', W']).</returns>
    public static Tensor Combine(Tensor mixed, Tensor bypass, int k, Tensor? bypassWeights = null)
    {
        using var scope = NewDisposeScope();
        if (bypass.dim() != 4) throw new ArgumentException($"the bypass must be [B, C', H, W], not [{string.Join(", ", bypass.shape)}]", nameof(bypass));
        var edgeDim = mixed.dim() == 5;
        if (!edgeDim && mixed.dim() != 4) throw new ArgumentException($"the operated part must be [B, C/K, H, W] or [B, k, C/K, H, W], not [{string.Join(", ", mixed.shape)}]", nameof(mixed));
        var (h, w) = (mixed.shape[^2], mixed.shape[^1]);
        var passed = bypass;
        if (bypass.shape[2] != h || bypass.shape[3] != w)
        {
            passed = F.max_pool2d(bypass, [2, 2], [2, 2]);
            if (passed.shape[2] != h || passed.shape[3] != w)
                throw new ArgumentException($"the operated part is {h}×{w} but the bypass is {bypass.shape[2]}×{bypass.shape[3]} (pooled 2×2: {passed.shape[2]}×{passed.shape[3]})");
        }
        if (edgeDim) passed = passed.unsqueeze(1).expand(mixed.shape[0], mixed.shape[1], -1, -1, -1);
        if (bypassWeights is not null)
        {
            var slots = edgeDim ? mixed.shape[1] : 1;
            if (bypassWeights.numel() != slots)
                throw new ArgumentException($"{bypassWeights.numel()} bypass weights for {slots} edge(s)", nameof(bypassWeights));
            passed = passed.mul(edgeDim ? bypassWeights.reshape(1, slots, 1, 1, 1) : bypassWeights.reshape(1, 1, 1, 1));
        }
        var whole = cat([mixed, passed], -3);
        if (whole.shape[^3] / k != mixed.shape[^3])
            throw new ArgumentException($"the operated part has {mixed.shape[^3]} channels, not C/K = {whole.shape[^3]}/{k}");
        return Shuffle(whole, k).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A whole partial-channel mixed operation: split <paramref name="x"/>, run <paramref name="mixedOp"/>
    /// (Σ_op w_op·op, built for C/K channels) on the first C/K channels, <see cref="Combine"/>.
    /// </summary>
    public static Tensor Forward(Tensor x, int k, Func<Tensor, Tensor> mixedOp)
    {
        using var scope = NewDisposeScope();
        var (active, bypass) = Split(x, k);
        return Combine(mixedOp(active), bypass, k).MoveToOuterDisposeScope();
    }
}
