using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Darts;

/// <summary>
/// The DARTS search network with its architecture parameters: one α of 28 × 8, the normal cells'
/// 14 edges (rows 0–13) then the reduction cells' (rows 14–27) — α_normal and α_reduce of the DARTS
/// code as one parameter, so every strategy and optimiser treats it as NB201's α (β of edge
/// normalisation likewise: 28, normal then reduce).
/// </summary>
public sealed class DartsSearchModel : SpaceModel<DartsNetwork>
{
    /// <summary>Builds the network, then α = 1e-3·N(0,1) (normal rows, then reduce rows; then β), all from <paramref name="generator"/>, in that order.</summary>
    public DartsSearchModel(SupernetSettings settings, Generator generator, Device? device = null)
        : base(new DartsNetwork(settings.Channels, settings.Cells, settings.Classes, generator, settings.PartialChannels, settings.AuxiliarySkip),
            2 * DartsEdge.Count, DartsPrimitives.Count, settings, Parts.EdgeNormalization.Darts, generator, device)
    {
    }

    protected override Tensor Forward(Tensor x, ArchWeights weights) => Net.forward(x, Half(weights, 0), Half(weights, DartsEdge.Count));

    /// <summary>The 14 rows of one kind of cell.</summary>
    private static ArchWeights Half(ArchWeights w, int first) => new(
        w.Ops.narrow(0, first, DartsEdge.Count),
        w.Sampled?[first..(first + DartsEdge.Count)],
        w.Edges?.narrow(0, first, DartsEdge.Count),
        w.AuxiliarySkip);
}
