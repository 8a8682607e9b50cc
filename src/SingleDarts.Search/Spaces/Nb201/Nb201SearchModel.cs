using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>The NAS-Bench-201 supernet with its architecture parameters α ∈ R^{6×5} (and β ∈ R^6 with edge normalisation).</summary>
public sealed class Nb201SearchModel : SpaceModel<Supernet>
{
    /// <summary>Builds the supernet, then α = 1e-3·N(0,1) (then β), all from <paramref name="generator"/>, in that order.</summary>
    public Nb201SearchModel(SupernetSettings settings, Generator generator, Device? device = null)
        : base(new Supernet(settings.Channels, settings.Cells, settings.Classes, generator, settings.PartialChannels), Edge.Count, Primitives.Count,
            settings, Parts.EdgeNormalization.Nb201, generator, device)
    {
    }

    protected override Tensor Forward(Tensor x, ArchWeights weights) => Net.forward(x, weights);
}
