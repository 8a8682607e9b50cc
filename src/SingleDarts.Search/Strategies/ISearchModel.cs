using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Strategies;

/// <summary>What a search strategy needs of a model: weights w, architecture parameters α, a forward pass.</summary>
public interface ISearchModel : IDisposable
{
    /// <summary>The network weights w (stepped by SGD).</summary>
    IReadOnlyList<Parameter> Weights { get; }

    /// <summary>The names of <see cref="Weights"/>, in the same order (for messages).</summary>
    IReadOnlyList<string> WeightNames { get; }

    /// <summary>The architecture parameters α (stepped by Adam).</summary>
    Parameter Alphas { get; }

    /// <summary>Running statistics and other non-trained state (BatchNorm buffers).</summary>
    IReadOnlyList<(string Name, Tensor Tensor)> Buffers { get; }

    bool Training { get; set; }

    /// <summary>Logits for a batch of images under the current α.</summary>
    Tensor Forward(Tensor x);
}
