using SingleDarts.Search.Parts;
using SingleDarts.Search.Spaces.Darts;
using SingleDarts.Search.Spaces.Nb201;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Tests;

/// <summary>
/// The optional method parts (PC-DARTS partial channels and edge normalisation, SDARTS-RS, DARTS-'s
/// auxiliary skip, β-DARTS's Beta-Decay), each checked on tiny tensors against a second computation:
/// a permutation or formula worked out by hand, evaluated in float64 with plain loops.
/// </summary>
[Trait("Category", "unit")]
public class PartsFidelityTests
{
    public PartsFidelityTests() => TorchRuntime.Configure(Tiny.Threads);

    // ---- PC-DARTS: partial channels -------------------------------------------------------------

    /// <summary>C = 8, K = 4: view as [4 groups, 2], transpose to [2, 4], flatten → out j reads in (j mod 4)·2 + ⌊j/4⌋.</summary>
    private static readonly long[] Shuffle8By4 = [0, 2, 4, 6, 1, 3, 5, 7];

    [Fact]
    public void Channel_shuffle_of_8_channels_in_4_groups_is_the_hand_permutation()
    {
        Assert.Equal(Shuffle8By4, PartialChannels.ShufflePermutation(8, 4));
        using var scope = NewDisposeScope();
        // x[b, c, h, w] = 1000b + 100c + 10h + w: every value names its position
        var x = Coded(2, 8, 2, 3);
        var y = Doubles(PartialChannels.Shuffle(x, 4));
        var i = 0;
        for (var b = 0; b < 2; b++)
            for (var c = 0; c < 8; c++)
                for (var h = 0; h < 2; h++)
                    for (var w = 0; w < 3; w++)
                        Assert.Equal((double)(1000 * b + 100 * Shuffle8By4[c] + 10 * h + w), y[i++]);

        // with a leading edge dimension [B, k, C, H, W] each slot is shuffled on its own
        var stacked = stack([x, x.mul(Neg)], 1);
        var ys = PartialChannels.Shuffle(stacked, 4);
        Assert.Equal(y, Doubles(ys.select(1, 0)));
        Assert.Equal(y.Select(v => -v), Doubles(ys.select(1, 1)));
    }

    [Fact]
    public void Partial_mixed_op_operates_on_the_first_C_over_K_channels_and_passes_the_rest()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(11, CPU);
        var x = randn([2, 8, 3, 3], ScalarType.Float64, generator: g);
        var (active, bypass) = PartialChannels.Split(x, 4);
        Assert.Equal(new long[] { 2, 2, 3, 3 }, active.shape);
        Assert.Equal(new long[] { 2, 6, 3, 3 }, bypass.shape);

        // a stand-in for Σ w·op that changes every value: 3a + 1
        var y = PartialChannels.Forward(x, 4, a => a.mul(Three).add(One, Nn.Scalars.One));
        Assert.Equal(new long[] { 2, 8, 3, 3 }, y.shape);
        var xs = Doubles(x);
        var ys = Doubles(y);
        for (var b = 0; b < 2; b++)
            for (var j = 0; j < 8; j++)
                for (var p = 0; p < 9; p++)
                {
                    // after concatenation channels 0, 1 are the operated ones (= input channels 0, 1), 2..7 the bypass (= input 2..7)
                    var source = Shuffle8By4[j];
                    var xv = xs[(b * 8 + source) * 9 + p];
                    var expected = source < 2 ? 3 * xv + 1 : xv;
                    Assert.Equal(expected, ys[(b * 8 + j) * 9 + p]);
                }
    }

    [Fact]
    public void Reduction_edge_max_pools_the_bypass_2x2_before_the_shuffle()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(12, CPU);
        var x = randn([1, 8, 4, 4], ScalarType.Float64, generator: g);
        var xs = Doubles(x);
        double X(int c, int h, int w) => xs[(c * 4 + h) * 4 + w];

        // a stride-2 stand-in: keep every second pixel
        var y = Doubles(PartialChannels.Forward(x, 4, a => a.slice(2, 0, 4, 2).slice(3, 0, 4, 2)));
        for (var j = 0; j < 8; j++)
            for (var h = 0; h < 2; h++)
                for (var w = 0; w < 2; w++)
                {
                    var c = (int)Shuffle8By4[j];
                    var expected = c < 2
                        ? X(c, 2 * h, 2 * w)
                        : Math.Max(Math.Max(X(c, 2 * h, 2 * w), X(c, 2 * h, 2 * w + 1)), Math.Max(X(c, 2 * h + 1, 2 * w), X(c, 2 * h + 1, 2 * w + 1)));
                    Assert.Equal(expected, y[(j * 2 + h) * 2 + w]);
                }

        // the real DARTS mixed op of a reduction edge, built for C/K = 2 channels, fits the same seam
        using var mixed = new MixedOp(2, 2, g);
        var xf = x.to(ScalarType.Float32);
        using var weights = softmax(randn([DartsPrimitives.Count], generator: g), 0);
        var real = PartialChannels.Forward(xf, 4, a => mixed.forward(a, weights));
        Assert.Equal(new long[] { 1, 8, 2, 2 }, real.shape);
        var bypassOut = real.index_select(1, tensor(new long[] { 1, 2, 3, 5, 6, 7 }));
        var pooled = nn.functional.max_pool2d(xf.narrow(1, 2, 6), [2, 2], [2, 2]).index_select(1, tensor(new long[] { 0, 2, 4, 1, 3, 5 }));
        Assert.Equal(Floats(pooled), Floats(bypassOut));
    }

    [Fact]
    public void Stacked_edges_sharing_one_input_combine_like_separate_edges()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(13, CPU);
        var mixed = randn([2, 3, 2, 4, 4], ScalarType.Float64, generator: g);   // NB201 MixedOps: 3 edges leave node 0
        var bypass = randn([2, 6, 4, 4], ScalarType.Float64, generator: g);
        var together = PartialChannels.Combine(mixed, bypass, 4);
        Assert.Equal(new long[] { 2, 3, 8, 4, 4 }, together.shape);
        for (var t = 0; t < 3; t++)
            Assert.Equal(Doubles(PartialChannels.Combine(mixed.select(1, t), bypass, 4)), Doubles(together.select(1, t)));

        // edge normalisation folded into the op weights: the bypass of slot t carries β_t as well, so
        // the result is β_t·(the unnormalised partial mixed op) on every channel
        var beta = tensor(new[] { 0.2, 0.5, 0.3 }, ScalarType.Float64);
        var scaled = PartialChannels.Combine(mixed.mul(beta.reshape(1, 3, 1, 1, 1)), bypass, 4, beta);
        for (var t = 0; t < 3; t++)
        {
            var single = PartialChannels.Combine(mixed.select(1, t).mul(beta[t]), bypass, 4, beta[t]);
            Assert.Equal(Doubles(single), Doubles(scaled.select(1, t)));
            Assert.Equal(Doubles(together.select(1, t).mul(beta[t])), Doubles(single), Close);
        }
    }

    [Fact]
    public void Partial_channels_refuse_channel_counts_K_does_not_divide()
    {
        using var scope = NewDisposeScope();
        var x = zeros(1, 6, 2, 2);
        Assert.Throws<ArgumentException>(() => PartialChannels.Split(x, 4));
    }

    // ---- PC-DARTS: edge normalisation -----------------------------------------------------------

    [Fact]
    public void Edge_weights_are_a_softmax_over_the_edges_into_each_node()
    {
        using var scope = NewDisposeScope();
        // NAS-Bench-201: rows 1←0 | 2←0, 2←1 | 3←0, 3←1, 3←2
        double[] beta201 = [0.7, -0.2, 0.5, 1.0, 0.0, -1.5];
        var w201 = Doubles(EdgeNormalization.Nb201.Weights(tensor(beta201, ScalarType.Float64)));
        Assert.Equal(HandSegmentSoftmax(beta201, [1, 2, 3]), w201, Close);
        Assert.Equal(1.0, w201[0]);                        // node 1 has a single edge

        // DARTS: 28 = normal 14 then reduce 14, nodes with 2, 3, 4, 5 incoming edges
        using var g = new Generator(14, CPU);
        var beta = randn([28], ScalarType.Float64, generator: g);
        var b = Doubles(beta);
        var w = Doubles(EdgeNormalization.Darts.Weights(beta));
        var hand = HandSegmentSoftmax(b[..14], [2, 3, 4, 5]).Concat(HandSegmentSoftmax(b[14..], [2, 3, 4, 5])).ToArray();
        Assert.Equal(hand, w, Close);
        Assert.Equal(w, Doubles(EdgeNormalization.Darts.Weights(beta.reshape(2, 14))));
        Assert.Equal(28, EdgeNormalization.Darts.EdgeCount * 2);
        Assert.Equal(9, EdgeNormalization.Darts.FirstRow(3));
        Assert.Equal(DartsEdge.FirstRow(3), EdgeNormalization.Darts.FirstRow(3));
    }

    [Fact]
    public void Derivation_weights_are_softmax_alpha_times_softmax_beta_and_pick_the_edges()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(15, CPU);
        var alpha = randn([28, 8], ScalarType.Float64, generator: g);
        var beta = randn([28], ScalarType.Float64, generator: g);
        var m = EdgeNormalization.Darts.DerivationWeights(softmax(alpha, 1), beta);
        var a = Doubles(alpha);
        var b = Doubles(beta);
        var edge = HandSegmentSoftmax(b[..14], [2, 3, 4, 5]).Concat(HandSegmentSoftmax(b[14..], [2, 3, 4, 5])).ToArray();
        for (var r = 0; r < 28; r++)
        {
            var row = HandSegmentSoftmax(a[(r * 8)..(r * 8 + 8)], [8]);
            for (var op = 0; op < 8; op++)
                Assert.Equal(row[op] * edge[r], m[r, op], 1e-6);
        }

        // every edge prefers sep_conv_3x3 equally: softmax(α) alone ties, and the derivation keeps the
        // first two edges of each node; a β rising with the source state makes it keep the last two
        var even = zeros([28, 8], ScalarType.Float64);
        even.select(1, DartsPrimitives.SepConv3x3).fill_(One);
        var flat = zeros([28], ScalarType.Float64);
        Assert.All(DartsGenotype.FromWeights(EdgeNormalization.Darts.DerivationWeights(softmax(even, 1), flat)).Normal
            .Chunk(2), pair => Assert.Equal(new[] { 0, 1 }, pair.Select(p => p.From)));
        var rising = tensor(DartsEdge.All.Select(e => (double)e.From).Concat(DartsEdge.All.Select(e => (double)e.From)).ToArray(), ScalarType.Float64);
        var genotype = DartsGenotype.FromWeights(EdgeNormalization.Darts.DerivationWeights(softmax(even, 1), rising));
        var node = 0;
        foreach (var pair in genotype.Normal.Chunk(2).Concat(genotype.Reduce.Chunk(2)))
        {
            var n = node++ % 4;
            Assert.Equal(new[] { n + 1, n }, pair.Select(p => p.From));
            Assert.All(pair, p => Assert.Equal(DartsPrimitives.SepConv3x3, p.Op));
        }
    }

    [Fact]
    public void Beta_is_1e_3_times_a_normal_draw_from_the_generator()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(16, CPU);
        using var beta = EdgeNormalization.Darts.InitBeta(2, g);
        using var same = new Generator(16, CPU);
        var draw = Doubles(randn([28], generator: same).to(ScalarType.Float64));
        Assert.Equal(new long[] { 28 }, beta.shape);
        Assert.True(beta.requires_grad);
        Assert.Equal(draw.Select(d => 1e-3 * d).ToArray(), Doubles(beta.to(ScalarType.Float64)), (p, q) => Math.Abs(p - q) < 1e-9);
    }

    // ---- SDARTS-RS: random perturbation -----------------------------------------------------------

    [Fact]
    public void Perturbation_epsilon_grows_linearly_from_0_03_to_the_maximum()
    {
        Assert.Equal(0.03, AlphaPerturbation.Epsilon(0, 50), 12);
        Assert.Equal(0.165, AlphaPerturbation.Epsilon(25, 50), 12);
        Assert.Equal(0.03 + 0.27 * 49 / 50, AlphaPerturbation.Epsilon(49, 50), 12);
        Assert.Equal(0.03 + 0.27 * 99 / 100, AlphaPerturbation.Epsilon(99, 100), 12);
    }

    [Fact]
    public void Perturbation_draws_lie_in_minus_to_plus_epsilon_are_fresh_each_call_and_follow_the_seed()
    {
        using var scope = NewDisposeScope();
        var like = zeros([28, 8]);
        const double eps = 0.3;
        using var g = new Generator(17, CPU);
        var first = Floats(AlphaPerturbation.Draw(like, eps, g));
        var second = Floats(AlphaPerturbation.Draw(like, eps, g));
        foreach (var d in first.Concat(second)) Assert.InRange(d, -eps, eps);
        Assert.True(first.Max() > 0.25 && first.Min() < -0.25, "the draw spans the interval");
        Assert.NotEqual(first, second);
        using var again = new Generator(17, CPU);
        Assert.Equal(first, Floats(AlphaPerturbation.Draw(like, eps, again)));
        Assert.Equal(second, Floats(AlphaPerturbation.Draw(like, eps, again)));
    }

    [Fact]
    public void Perturbed_weights_are_clipped_back_onto_the_simplex_as_SDARTS_clip()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(18, CPU);
        var p = softmax(randn([5, 4], ScalarType.Float64, generator: g), 1);
        var delta = rand([5, 4], ScalarType.Float64, generator: g).mul(Two).sub(One);   // U(−1, 1): many clamps
        var pv = Doubles(p);
        var dv = Doubles(delta);
        // row 4: every entry pushed below zero, so the row is reset to one-hot at the argmax of p + δ
        for (var op = 0; op < 4; op++) dv[16 + op] = -pv[16 + op] - 0.1 * (op + 1);
        dv[16 + 2] = -pv[16 + 2] - 0.01;
        var d = tensor(dv, [5, 4], ScalarType.Float64);
        var got = Doubles(AlphaPerturbation.PerturbRelaxed(p, d));
        for (var r = 0; r < 5; r++)
        {
            var line = Enumerable.Range(0, 4).Select(op => pv[r * 4 + op] + dv[r * 4 + op]).ToArray();
            var maxIndex = Array.IndexOf(line, line.Max());
            var clamped = line.Select(v => Math.Clamp(v, 0, 1)).ToArray();
            if (clamped.Sum() == 0) clamped[maxIndex] = 1;
            var sum = clamped.Sum();
            for (var op = 0; op < 4; op++) Assert.Equal(clamped[op] / sum, got[r * 4 + op], 12);
        }
        Assert.Equal(new[] { 0.0, 0.0, 1.0, 0.0 }, got[16..]);

        // σ relaxation: clamp only
        var sig = Doubles(AlphaPerturbation.PerturbRelaxed(p, d, Relaxation.Sigmoid));
        for (var i = 0; i < 20; i++) Assert.Equal(Math.Clamp(pv[i] + dv[i], 0, 1), sig[i], 12);
    }

    [Theory]
    [InlineData(Relaxation.Softmax)]
    [InlineData(Relaxation.Sigmoid)]
    public void Perturbed_alphas_relax_to_the_perturbed_weights_and_are_restored_bit_exactly(Relaxation relaxation)
    {
        using var scope = NewDisposeScope();
        using var model = Tiny.Model(seed: 19, relax: relaxation);
        using (no_grad()) model.Alphas.mul_(Fifty);               // spread softmax(α) so the clip bites
        var before = Floats(model.Alphas);
        var relaxedBefore = relaxation.Apply(model.Alphas).detach().clone();
        using var g = new Generator(20, CPU);
        var batch = Tiny.RandomBatch(21);
        using (var perturbed = AlphaPerturbation.Apply(model.Alphas, relaxation, 0.3, g))
        {
            foreach (var v in Floats(perturbed.Delta)) Assert.InRange(v, -0.3, 0.3);
            var expected = Floats(AlphaPerturbation.PerturbRelaxed(relaxedBefore, perturbed.Delta, relaxation));
            Assert.Equal(expected, Floats(perturbed.Weights));
            Assert.Equal(expected, Floats(relaxation.Apply(model.Alphas)), (p, q) => Math.Abs(p - q) < 2e-6);
            Assert.All(Floats(model.Alphas), v => Assert.True(float.IsFinite(v)));
            Assert.NotEqual(before, Floats(model.Alphas));

            // a w step under the perturbed α: forward, backward, SGD on w
            var loss = nn.functional.cross_entropy(model.Forward(batch.Images), batch.Labels);
            loss.backward();
            using (no_grad())
                foreach (var w in model.Weights)
                    if (w.grad is { } grad) w.add_(grad, MinusTenth);
        }
        var after = Floats(model.Alphas);
        Assert.Equal(before.Select(BitConverter.SingleToInt32Bits), after.Select(BitConverter.SingleToInt32Bits));
    }

    // ---- DARTS-: auxiliary skip -----------------------------------------------------------------

    [Fact]
    public void Auxiliary_skip_coefficient_decays_linearly_from_1_per_epoch()
    {
        var linear = AuxiliarySkipSchedule.Linear(50);
        Assert.Equal(1.0, linear.Coefficient(0), 12);       // first epoch
        Assert.Equal(0.5, linear.Coefficient(25), 12);      // middle
        Assert.Equal(0.02, linear.Coefficient(49), 12);     // last: (50 − 49)/50, never 0 inside the search
        Assert.Equal(0.0, linear.Coefficient(50), 12);
        Assert.Equal(0.0, linear.Coefficient(70), 12);      // after T_stop it keeps T_stop's value

        var late = new AuxiliarySkipSchedule(AuxiliarySkipDecay.Linear, 1.0, 50, 10, 40);
        Assert.Equal(1.0, late.Coefficient(3), 12);         // before T_start: β₀
        Assert.Equal(1.0, late.Coefficient(10), 12);
        Assert.Equal(0.25, late.Coefficient(40), 12);
        Assert.Equal(0.25, late.Coefficient(45), 12);

        var cosine = new AuxiliarySkipSchedule(AuxiliarySkipDecay.Cosine, 2.0);
        Assert.Equal(2.0, cosine.Coefficient(0), 12);
        Assert.Equal(1.0, cosine.Coefficient(25), 12);
        Assert.Equal(1 + Math.Cos(Math.PI * 49 / 50), cosine.Coefficient(49), 12);
    }

    [Fact]
    public void Auxiliary_skip_adds_beta_times_x_outside_the_weighted_sum_and_folds_into_the_skip_weight()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(22, CPU);
        var mixed = randn([2, 4, 3, 3], ScalarType.Float64, generator: g);
        var x = randn([2, 4, 3, 3], ScalarType.Float64, generator: g);
        var sum = Doubles(AuxiliarySkip.Add(mixed, x, 0.37));
        var (mv, xv) = (Doubles(mixed), Doubles(x));
        for (var i = 0; i < mv.Length; i++) Assert.Equal(mv[i] + 0.37 * xv[i], sum[i], 12);

        // NB201's stacked MixedOps: +β·x on each of the 3 edges leaving node 0 equals +β on their skip weight
        using var ops = new MixedOps(2, 3, g);
        var input = randn([2, 2, 5, 5], generator: g);
        var relaxed = softmax(randn([6, 5], generator: g), 1);
        const double beta = 0.6;
        using var plain = new CellWeights(relaxed, 2);
        using var folded = new CellWeights(AuxiliarySkip.FoldIntoSkip(relaxed, Primitives.SkipConnect, beta), 2);
        var withAux = AuxiliarySkip.Add(ops.forward(input, plain, 0), input, beta);
        Assert.Equal(Floats(withAux), Floats(ops.forward(input, folded, 0)), (p, q) => Math.Abs(p - q) < 1e-5);
        var bumped = Doubles(AuxiliarySkip.FoldIntoSkip(relaxed, Primitives.SkipConnect, beta).to(ScalarType.Float64).sub(relaxed.to(ScalarType.Float64)));
        for (var i = 0; i < 30; i++) Assert.Equal(i % 5 == Primitives.SkipConnect ? beta : 0, bumped[i], 6);
    }

    // ---- β-DARTS: Beta-Decay --------------------------------------------------------------------

    [Fact]
    public void Beta_decay_is_the_mean_logsumexp_of_alpha_with_gradient_softmax_over_rows()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(23, CPU);
        var alpha = randn([6, 5], ScalarType.Float64, generator: g).mul(Three).requires_grad_();
        var reg = BetaDecay.Regularizer(alpha);
        reg.backward();
        var a = Doubles(alpha);
        var rows = Enumerable.Range(0, 6).Select(r => a[(r * 5)..(r * 5 + 5)]).ToArray();
        var hand = rows.Average(r => Math.Log(r.Sum(Math.Exp)));
        Assert.Equal(hand, reg.item<double>(), 12);
        var grad = Doubles(alpha.grad!);
        for (var r = 0; r < 6; r++)
        {
            var soft = HandSegmentSoftmax(rows[r], [5]);
            for (var op = 0; op < 5; op++) Assert.Equal(soft[op] / 6, grad[r * 5 + op], 12);
        }

        // the DARTS layout (normal rows then reduce rows): the mean over 28 rows = the mean of the two cells' terms
        var darts = randn([28, 8], ScalarType.Float64, generator: g);
        var whole = BetaDecay.Regularizer(darts).item<double>();
        var halves = (BetaDecay.Regularizer(darts.narrow(0, 0, 14)).item<double>() + BetaDecay.Regularizer(darts.narrow(0, 14, 14)).item<double>()) / 2;
        Assert.Equal(halves, whole, 12);

        // λ·L_β and the reference schedule λ_e = 50·e/100
        Assert.Equal(0.0, BetaDecay.Weight(0));
        Assert.Equal(12.5, BetaDecay.Weight(25));
        Assert.Equal(24.5, BetaDecay.Weight(49));
        Assert.Equal(49.5, BetaDecay.Weight(99));
        Assert.Equal(49.0, BetaDecay.Weight(49, 50, 50));
        Assert.Equal(12.5 * hand, BetaDecay.Term(alpha, BetaDecay.Weight(25)).item<double>(), 10);
    }

    // ---- all parts ------------------------------------------------------------------------------

    [Fact]
    public void The_parts_leave_no_TorchSharp_object_to_the_finalizer()
    {
        using var g = new Generator(24, CPU);
        using var x = randn([2, 8, 4, 4], generator: g);
        using var beta = randn([28], generator: g);
        using var ops = softmax(randn([28, 8], generator: g), 1);
        using var model = Tiny.Model(seed: 25);
        using var watch = new FinalizerWatch();
        watch.Start();
        for (var i = 0; i < 3; i++)
        {
            var (active, bypass) = PartialChannels.Split(x, 4);
            active.Dispose();
            bypass.Dispose();
            using (PartialChannels.Shuffle(x, 4)) { }
            using (PartialChannels.Forward(x, 4, t => t.slice(2, 0, 4, 2).slice(3, 0, 4, 2))) { }
            using (EdgeNormalization.Darts.Weights(beta)) { }
            _ = EdgeNormalization.Darts.DerivationWeights(ops, beta);
            using (var delta = AlphaPerturbation.Draw(ops, 0.3, g))
            using (AlphaPerturbation.PerturbRelaxed(ops, delta)) { }
            using (AlphaPerturbation.Apply(model.Alphas, Relaxation.Softmax, 0.3, g)) { }
            using (AuxiliarySkip.Add(x, x, 0.5)) { }
            using (AuxiliarySkip.FoldIntoSkip(ops, DartsPrimitives.SkipConnect, 0.5)) { }
            using (BetaDecay.Term(ops, 1.0)) { }
        }
        var finalized = watch.Stop();
        Assert.True(finalized.Count == 0,
            "finalized instead of disposed: " + string.Join(", ", finalized.Select(kv => $"{kv.Value}× {kv.Key}")));
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static readonly Scalar One = 1.0.ToScalar(), Two = 2.0.ToScalar(), Three = 3.0.ToScalar(),
        Neg = (-1.0).ToScalar(), MinusTenth = (-0.1).ToScalar(), Fifty = 50.0.ToScalar();

    private static readonly Func<double, double, bool> Close = (p, q) => Math.Abs(p - q) < 1e-12;

    private static Tensor Coded(int batch, int channels, int height, int width)
    {
        var v = new double[batch * channels * height * width];
        var i = 0;
        for (var b = 0; b < batch; b++)
            for (var c = 0; c < channels; c++)
                for (var h = 0; h < height; h++)
                    for (var w = 0; w < width; w++)
                        v[i++] = 1000 * b + 100 * c + 10 * h + w;
        return tensor(v, [batch, channels, height, width], ScalarType.Float64);
    }

    private static double[] HandSegmentSoftmax(double[] values, int[] segments)
    {
        var result = new double[values.Length];
        var start = 0;
        foreach (var n in segments)
        {
            var max = values[start..(start + n)].Max();
            var total = 0.0;
            for (var i = start; i < start + n; i++) total += Math.Exp(values[i] - max);
            for (var i = start; i < start + n; i++) result[i] = Math.Exp(values[i] - max) / total;
            start += n;
        }
        return result;
    }

    private static double[] Doubles(Tensor t)
    {
        using var c = t.detach().to(ScalarType.Float64).cpu().contiguous();
        return c.data<double>().ToArray();
    }

    private static float[] Floats(Tensor t)
    {
        using var c = t.detach().to(ScalarType.Float32).cpu().contiguous();
        return c.data<float>().ToArray();
    }
}
