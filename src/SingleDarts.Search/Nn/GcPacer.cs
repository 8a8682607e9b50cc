namespace SingleDarts.Search.Nn;

/// <summary>
/// Keeps a training loop's memory flat. Every TorchSharp call leaves small finalizable objects
/// (scalars, pinned arrays, handles) whose native memory is returned only when the GC runs, and
/// the managed side allocates so little per step that a gen0 collection can take hundreds of
/// steps: measured on the C8 N2 supernet, resident memory grew ~1 MB per step for 300 steps
/// without a single collection, and stayed flat with a gen1 collection every 20 steps (~5 ms each).
/// </summary>
public sealed class GcPacer(int everySteps = 10)
{
    private int steps;

    public void Step()
    {
        if (++steps % everySteps != 0) return;
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
    }
}
