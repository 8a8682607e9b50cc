using SingleDarts.Search.Strategies;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Diagnostics;

/// <summary>
/// λ_max of ∇²_α of a search model's held-out cross-entropy (Zela et al.'s sharpness diagnostic, see
/// <see cref="HessianEigenvalue"/>), without side effects on the search: w and α are not written, no
/// <c>grad</c> field is touched, BatchNorm's running statistics and the model's train/eval mode are
/// what they were before. A sampling relaxation (GDAS, DrNAS) is differentiated through its expected weights
/// (softmax(α), the Dirichlet's mean), and draws nothing.
/// <para>
/// Mode: train mode (BatchNorm normalises by the batch's own statistics), as RobustDARTS computes it
/// (src/search/train_search.py calls the analyser inside the training loop's model.train()) and as the
/// search sees the loss it steps α on; in eval mode BatchNorm would be an affine map of frozen running
/// statistics, a different function with a different curvature. Each batch is one BatchNorm batch, so
/// pass batches of the search's batch size. Train mode updates the running statistics on every forward;
/// they are saved before and written back after.
/// </para>
/// </summary>
public static class ValidationHessian
{
    /// <param name="heldOut">fixed held-out batches (validation split, no augmentation); the Hessian is that of their mean loss.</param>
    /// <param name="start">see <see cref="HessianEigenvalue.Dominant(IReadOnlyList{Func{Tensor}}, Tensor, HessianOptions, Generator, IReadOnlyList{double}?)"/>.</param>
    public static HessianEstimate DominantEigenvalue(ISearchModel model, IReadOnlyList<Batch> heldOut, HessianOptions options, Generator generator, IReadOnlyList<double>? start = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(heldOut);
        var wasTraining = model.Training;
        var saved = Snapshot(model.Buffers);
        // a sampling relaxation's curvature is taken of its expected weights: no draw of the search is consumed
        using var expected = model.ExpectedWeights();
        try
        {
            model.Training = true;
            var losses = heldOut.Select(b => (Func<Tensor>)(() =>
            {
                using var logits = model.Forward(b.Images);
                return nn.functional.cross_entropy(logits, b.Labels);
            })).ToArray();
            return HessianEigenvalue.Dominant(losses, model.Alphas, options, generator, start);
        }
        finally
        {
            Restore(model.Buffers, saved);
            model.Training = wasTraining;
        }
    }

    private static Tensor[] Snapshot(IReadOnlyList<(string Name, Tensor Tensor)> buffers)
    {
        using var _ = no_grad();
        return [.. buffers.Select(b => b.Tensor.clone().DetachFromDisposeScope())];
    }

    private static void Restore(IReadOnlyList<(string Name, Tensor Tensor)> buffers, Tensor[] saved)
    {
        using var _ = no_grad();
        for (var i = 0; i < saved.Length; i++)
        {
            buffers[i].Tensor.copy_(saved[i]);
            saved[i].Dispose();
        }
    }
}
