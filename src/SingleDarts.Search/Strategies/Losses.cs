using static TorchSharp.torch;

namespace SingleDarts.Search.Strategies;

internal static class Losses
{
    /// <summary>Forward + mean cross-entropy; also counts correct predictions.</summary>
    public static Tensor CrossEntropy(ISearchModel model, Batch batch, out long correct)
    {
        using var logits = model.Forward(batch.Images);
        using (no_grad())
        using (var pred = logits.argmax(1))
        using (var hits = pred.eq(batch.Labels))
        using (var sum = hits.sum())
            correct = sum.item<long>();
        return nn.functional.cross_entropy(logits, batch.Labels);
    }

    public static Tensor CrossEntropy(ISearchModel model, Batch batch) => CrossEntropy(model, batch, out _);

    public static IList<Tensor> Grad(Tensor loss, IEnumerable<Tensor> inputs) =>
        autograd.grad([loss], inputs.ToArray());
}
