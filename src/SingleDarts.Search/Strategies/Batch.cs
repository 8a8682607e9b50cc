using static TorchSharp.torch;

namespace SingleDarts.Search.Strategies;

/// <summary>A batch of images [B,3,H,W] (float, normalised) and labels [B] (int64).</summary>
public sealed record Batch(Tensor Images, Tensor Labels) : IDisposable
{
    public long Count => Labels.shape[0];

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>A stream of batches. A strategy pulls exactly the batches a step consumes.</summary>
public interface IBatchSource
{
    Batch Next();
}

/// <summary>Loss and accuracy of the batch a step trained w on.</summary>
public readonly record struct StepStats(double Loss, long Correct, long Count);
