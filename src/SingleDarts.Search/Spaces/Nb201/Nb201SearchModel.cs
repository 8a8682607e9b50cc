using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>The NAS-Bench-201 supernet with its architecture parameters α ∈ R^{6×5} and their relaxation.</summary>
public sealed class Nb201SearchModel : SpaceModel<Supernet>
{
    /// <summary>Builds the supernet, then α = 1e-3·N(0,1), both from <paramref name="generator"/>, in that order.</summary>
    public Nb201SearchModel(int channels, int cellsPerStage, int numClasses, Relaxation relaxation, Generator generator, Device? device = null)
        : base(new Supernet(channels, cellsPerStage, numClasses, generator), Edge.Count, Primitives.Count, relaxation, generator, device)
    {
    }

    protected override Tensor Forward(Tensor x, Tensor relaxed) => Net.forward(x, relaxed);
}
