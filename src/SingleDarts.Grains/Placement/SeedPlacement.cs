using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace SingleDarts.Grains.Placement;

/// <summary>
/// Seeds go where their coordinator sends them: the coordinator knows the workers' free slots and
/// passes the chosen silo as a placement hint. Without a (valid) hint, a random compatible silo.
/// </summary>
public sealed class SeedPlacement : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class)]
public sealed class SeedPlacementAttribute() : PlacementAttribute(new SeedPlacement());

public sealed class SeedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        // Compatible silos have been through the placement filters: workers only.
        var silos = context.GetCompatibleSilos(target);
        var chosen = IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) ?? silos[Random.Shared.Next(silos.Length)];
        return Task.FromResult(chosen);
    }
}
