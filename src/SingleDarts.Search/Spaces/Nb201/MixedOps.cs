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

    protected override void Dispose(bool disposing)
    {
        if (disposing) boxSum.Dispose();
        base.Dispose(disposing);
    }
}
