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

    /// <summary>
    /// The gradient of <paramref name="loss"/> for each input; an input the loss does not use (a weight of an operation no
    /// edge sampled in a GDAS step) gets zeros, as PyTorch 1.x's zeroed .grad gave the reference code. Never call
    /// libtorch's grad without allow_unused: its error on an unused input is not caught natively and ends the process.
    /// </summary>
    public static IList<Tensor> Grad(Tensor loss, IEnumerable<Tensor> inputs)
    {
        var list = inputs.ToArray();
        var grads = autograd.grad([loss], list, allow_unused: true);
        for (var i = 0; i < grads.Count; i++)
            if (grads[i].IsInvalid || grads[i].Handle == IntPtr.Zero) grads[i] = zeros_like(list[i]);
        return grads;
    }
}
