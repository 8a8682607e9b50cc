using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Spaces.Darts;

/// <summary>
/// The DARTS search network with its architecture parameters: one α of 28 × 8, the normal cells'
/// 14 edges (rows 0–13) then the reduction cells' (rows 14–27) — α_normal and α_reduce of the DARTS
/// code as one parameter, so every strategy and optimiser treats it as NB201's α.
/// </summary>
public sealed class DartsSearchModel : SpaceModel<DartsNetwork>
{
    /// <summary>Builds the network, then α = 1e-3·N(0,1) (normal rows, then reduce rows), both from <paramref name="generator"/>, in that order.</summary>
    public DartsSearchModel(int channels, int layers, int numClasses, Relaxation relaxation, Generator generator, Device? device = null)
        : base(new DartsNetwork(channels, layers, numClasses, generator), 2 * DartsEdge.Count, DartsPrimitives.Count, relaxation, generator, device)
    {
    }

    protected override Tensor Forward(Tensor x, Tensor relaxed) =>
        Net.forward(x, relaxed.narrow(0, 0, DartsEdge.Count), relaxed.narrow(0, DartsEdge.Count, DartsEdge.Count));
}
