using SingleDarts.Search.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>
/// The mixed operations of all k edges leaving one node of a cell, computed together.
/// Each edge is exactly NAS-Bench-201's MixedOp — Σ_op w_op·op(x) over none (skipped: it adds
/// zeros), skip_connect, nor_conv_1x1 and nor_conv_3x3 (ReLU → Conv with bias → BatchNorm
/// without affine parameters) and avg_pool_3x3 (padding not counted) — but the k edges share
/// their input, so:
/// <list type="bullet">
/// <item>ReLU and pooling are computed once for the k edges (pooling as a window sum, see <see cref="BoxSum"/>);</item>
/// <item>the k convolutions of a kind run as one convolution with k·C output channels (their
///   weights are stored stacked: edge t owns output channels [t·C, (t+1)·C));</item>
/// <item>BatchNorm is per channel, so one BatchNorm over k·C channels equals k separate ones, and
///   the op weight w_op folds into its scale (weight = w_op per channel, no bias).</item>
/// </list>
/// The result is the same function, parameter count and initial distribution as k separate
/// MixedOps, with fewer kernels and temporaries.
/// </summary>
public sealed class MixedOps : nn.Module
{
    private readonly long channels;
    private readonly int edges;
    private readonly Parameter conv1x1_weight, conv1x1_bias, conv3x3_weight, conv3x3_bias;
    private readonly Tensor bn1x1_mean, bn1x1_var, bn3x3_mean, bn3x3_var;
    private readonly BoxSum boxSum = new();

    public MixedOps(long channels, int edges, Generator generator) : base(nameof(MixedOps))
    {
        this.channels = channels;
        this.edges = edges;
        var outC = edges * channels;
        conv1x1_weight = Parameters.From(empty(outC, channels, 1, 1));
        conv1x1_bias = Parameters.From(empty(outC));
        conv3x3_weight = Parameters.From(empty(outC, channels, 3, 3));
        conv3x3_bias = Parameters.From(empty(outC));
        Init.DefaultUniform(conv1x1_weight, conv1x1_bias, generator);
        Init.DefaultUniform(conv3x3_weight, conv3x3_bias, generator);
        bn1x1_mean = zeros(outC);
        bn1x1_var = ones(outC);
        bn3x3_mean = zeros(outC);
        bn3x3_var = ones(outC);
        register_parameter(nameof(conv1x1_weight), conv1x1_weight);
        register_parameter(nameof(conv1x1_bias), conv1x1_bias);
        register_parameter(nameof(conv3x3_weight), conv3x3_weight);
        register_parameter(nameof(conv3x3_bias), conv3x3_bias);
        register_buffer(nameof(bn1x1_mean), bn1x1_mean);
        register_buffer(nameof(bn1x1_var), bn1x1_var);
        register_buffer(nameof(bn3x3_mean), bn3x3_mean);
        register_buffer(nameof(bn3x3_var), bn3x3_var);
    }

    /// <summary>
    /// Returns [B, k, C, H, W]: slot t holds Σ_op w_op·op(x) of the t-th edge leaving this node.
    /// </summary>
    public Tensor forward(Tensor x, CellWeights weights, int source)
    {
        using var scope = NewDisposeScope();
        var b = x.shape[0];
        var h = x.shape[2];
        var w = x.shape[3];
        var r = F.relu(x);
        var y1 = Conv.Conv2d(r, conv1x1_weight, conv1x1_bias);
        var y3 = Conv.Conv2d(r, conv3x3_weight, conv3x3_bias, padding: 1);
        var sum = F.batch_norm(y1, bn1x1_mean, bn1x1_var, weights.Conv1x1[source], null, training);
        // In place below is safe for autograd: BatchNorm's backward needs its input, not its output.
        sum.add_(F.batch_norm(y3, bn3x3_mean, bn3x3_var, weights.Conv3x3[source], null, training), Scalars.One);
        var result = sum.view(b, edges, channels, h, w);
        result.addcmul_(x.unsqueeze(1), weights.Skip[source], Scalars.One);
        // avg_pool_3x3 = window sum · 1/count; the 1/count map folds into the op weight ([1,k,1,H,W])
        var poolScale = weights.Pool[source].mul(boxSum.InverseCount(x).view(1, 1, 1, h, w));
        result.addcmul_(boxSum.Sum3x3(x).unsqueeze(1), poolScale, Scalars.One);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// GDAS: each edge leaving this node computes only its sampled operation (AutoDL's NAS-Bench-201 cell,
    /// <c>forward_gdas</c>): slot t holds hard[t, i]·op_i(x) + Σ_{j≠i} hard[t, j] — the sampled output, with the other
    /// weights added as terms of value 0 so that every α of the edge gets a gradient (the reference's estimator).
    /// A sampled convolution runs on its own slice of the stacked weights and BatchNorm statistics.
    /// </summary>
    /// <param name="hard">the draw's hard weights [6, 5] (edge weights folded in where the method normalises edges).</param>
    /// <param name="sampled">the sampled operation of each of the 6 rows.</param>
    public Tensor forward_sampled(Tensor x, Tensor hard, long[] sampled, int source)
    {
        using var scope = NewDisposeScope();
        var rows = CellWeights.RowsFrom(source);
        var outputs = new Tensor[edges];
        for (var t = 0; t < edges; t++)
        {
            var row = rows[t];
            var op = (int)sampled[row];
            var w = hard[row];
            var weight = w[op];
            var y = op switch
            {
                Primitives.None => zeros_like(x),
                Primitives.SkipConnect => x,
                Primitives.AvgPool3x3 => boxSum.Sum3x3(x).mul(boxSum.InverseCount(x)),
                Primitives.Conv1x1 => Sampled(x, conv1x1_weight, conv1x1_bias, bn1x1_mean, bn1x1_var, t, 0),
                Primitives.Conv3x3 => Sampled(x, conv3x3_weight, conv3x3_bias, bn3x3_mean, bn3x3_var, t, 1),
                _ => throw new InvalidOperationException($"unknown operation {op}"),
            };
            outputs[t] = y.mul(weight).add(w.sum().sub(weight), Scalars.One);      // the unsampled weights' sum is 0 in value
        }
        return stack(outputs, 1).MoveToOuterDisposeScope();
    }

    /// <summary>One edge's ReLU → convolution → BatchNorm (no affine) on its slice [t·C, (t+1)·C) of the stacked weights.</summary>
    private Tensor Sampled(Tensor x, Tensor weight, Tensor bias, Tensor mean, Tensor var, int t, long padding)
    {
        var from = t * channels;
        var y = Conv.Conv2d(F.relu(x), weight.narrow(0, from, channels), bias.narrow(0, from, channels), padding: padding);
        return F.batch_norm(y, mean.narrow(0, from, channels), var.narrow(0, from, channels), null, null, training);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) boxSum.Dispose();
        base.Dispose(disposing);
    }
}
