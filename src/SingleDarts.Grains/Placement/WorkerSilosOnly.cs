using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace SingleDarts.Grains.Placement;

/// <summary>
/// Placement filter: only silos whose metadata says they are SingleDarts workers. (The built-in
/// RequiredMatchSiloMetadata filter compares with the <em>caller's</em> metadata, which is not
/// what "only on workers" means.)
/// </summary>
public sealed class WorkerSilosOnlyFilter() : PlacementFilterStrategy(order: 0);

[AttributeUsage(AttributeTargets.Class)]
public sealed class WorkerSilosOnlyAttribute() : PlacementFilterAttribute(new WorkerSilosOnlyFilter());

public sealed class WorkerSilosOnlyFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos) =>
        silos.Where(s => WorkerMetadata.IsWorker(metadata.GetSiloMetadata(s).Metadata));
}
