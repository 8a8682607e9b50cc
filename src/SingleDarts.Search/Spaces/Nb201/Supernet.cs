using SingleDarts.Search.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>
/// NAS-Bench-201 search supernet: stem (3×3 conv 3→C, no bias, + BN); N cells at C; residual
/// block C→2C; N cells at 2C; block 2C→4C; N cells at 4C; head BN → ReLU → global average pool → Linear.
/// The architecture weights are not part of this module: <see cref="forward"/> takes the relaxed
/// 6×5 operation weights, shared by every cell.
/// </summary>
public sealed class Supernet : Module
{
    private readonly ConvLayer stem_conv;
    private readonly BatchNormLayer stem_bn;
    private readonly ModuleList<Module> cells;
    private readonly BatchNormLayer lastact_bn;
    private readonly LinearLayer classifier;
    private readonly long[] stageChannels;
    private readonly int[] stageOfLayer;

    private readonly int partialChannels;

    /// <param name="partialChannels">PC-DARTS' K for every cell (1: off).</param>
    public Supernet(int channels, int cellsPerStage, int numClasses, Generator generator, int partialChannels = 1) : base(nameof(Supernet))
    {
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), "channels must be positive");
        if (cellsPerStage <= 0) throw new ArgumentOutOfRangeException(nameof(cellsPerStage), "cells per stage must be positive");
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), "at least 2 classes are needed");
        this.partialChannels = partialChannels;

        stem_conv = new ConvLayer(3, channels, 3, generator, padding: 1, bias: false);
        stem_bn = new BatchNormLayer(channels);

        stageChannels = [channels, 2L * channels, 4L * channels];
        var layers = new List<Module>();
        var stages = new List<int>();
        for (var stage = 0; stage < 3; stage++)
        {
            if (stage > 0)
            {
                layers.Add(new ResNetBlock(stageChannels[stage - 1], stageChannels[stage], generator));
                stages.Add(stage);
            }
            for (var i = 0; i < cellsPerStage; i++)
            {
                layers.Add(new Cell(stageChannels[stage], generator, partialChannels));
                stages.Add(stage);
            }
        }
        cells = ModuleList(layers.ToArray());
        stageOfLayer = stages.ToArray();

        lastact_bn = new BatchNormLayer(stageChannels[2]);
        classifier = new LinearLayer(stageChannels[2], numClasses, generator);
        RegisterComponents();
    }

    /// <param name="x">images [B, 3, H, W].</param>
    /// <param name="opWeights">relaxed operation weights [6, 5].</param>
    /// <returns>logits [B, classes].</returns>
    public Tensor forward(Tensor x, Tensor opWeights) => forward(x, new ArchWeights(opWeights, null, null, 0));

    /// <param name="x">images [B, 3, H, W].</param>
    /// <param name="arch">the forward's architecture weights: relaxed (or drawn) op weights [6, 5], and where the method has
    /// them a draw's sampled operations, the edge weights (folded into the op weights here) and the auxiliary skip coefficient.</param>
    /// <returns>logits [B, classes].</returns>
    public Tensor forward(Tensor x, ArchWeights arch)
    {
        using var scope = NewDisposeScope();
        var ops = arch.Edges is { } edges ? Parts.EdgeNormalization.Scale(arch.Ops, edges) : arch.Ops;
        var weights = arch.Sampled is null ? stageChannels.Select(c => new CellWeights(ops, Parts.PartialChannels.ActiveChannels(c, partialChannels))).ToArray() : [];
        try
        {
            var h = stem_bn.forward(stem_conv.forward(x));
            for (var i = 0; i < cells.Count; i++)
            {
                var next = cells[i] switch
                {
                    Cell cell => cell.forward(h, arch.Sampled is null ? weights[stageOfLayer[i]] : null!, arch, ops),
                    ResNetBlock block => block.forward(h),
                    _ => throw new InvalidOperationException("unexpected layer"),
                };
                h.Dispose(); // autograd keeps what it needs; the handle would only pin memory
                h = next;
            }
            var act = functional.relu(lastact_bn.forward(h));
            var pooled = functional.adaptive_avg_pool2d(act, 1).flatten(1);
            return classifier.forward(pooled).MoveToOuterDisposeScope();
        }
        finally
        {
            foreach (var w in weights) w.Dispose();
        }
    }

    /// <summary>Number of trainable weights (architecture parameters are not part of the supernet).</summary>
    public long WeightCount => parameters().Sum(p => p.numel());
}
