using Orleans.Runtime.MembershipService.SiloMetadata;

namespace SingleDarts.Grains.Placement;

/// <summary>The active worker silos of the cluster, their device and the slots each offers, from membership and silo metadata.</summary>
public sealed class WorkerSilos(IClusterMembershipService membership, ISiloMetadataCache metadata)
{
    public IReadOnlyList<(SiloAddress Silo, int Slots, string Device)> Active() =>
        membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => (m.SiloAddress, Metadata: metadata.GetSiloMetadata(m.SiloAddress).Metadata))
            .Where(m => WorkerMetadata.IsWorker(m.Metadata))
            .Select(m => (m.SiloAddress, WorkerMetadata.SlotsOf(m.Metadata), m.Metadata.GetValueOrDefault(WorkerMetadata.Device, "cpu")))
            .OrderBy(m => m.SiloAddress.ToString(), StringComparer.Ordinal)
            .ToList();
}
