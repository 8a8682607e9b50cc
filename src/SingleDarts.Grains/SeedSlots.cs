using Microsoft.Extensions.Options;

namespace SingleDarts.Grains;

/// <summary>
/// The seed slots of this silo: a seed holds one while it trains, so a worker never runs more
/// seeds at once than it offers, whichever sweeps they belong to. Waiters are served in order.
/// </summary>
public sealed class SeedSlots
{
    private readonly SemaphoreSlim free;
    private int inUse, waiting, peak;

    public SeedSlots(IOptions<WorkerOptions> options)
    {
        Capacity = options.Value.EffectiveSlots;
        free = new SemaphoreSlim(Capacity);
    }

    public int Capacity { get; }
    public int InUse => Volatile.Read(ref inUse);
    public int Waiting => Volatile.Read(ref waiting);

    /// <summary>The most slots ever held at once (what the placement tests check).</summary>
    public int Peak => Volatile.Read(ref peak);

    /// <summary>Blocks the calling (dedicated) thread until a slot is free; dispose the result to give it back.</summary>
    public IDisposable Acquire(CancellationToken cancel)
    {
        Interlocked.Increment(ref waiting);
        try
        {
            free.Wait(cancel);
        }
        finally
        {
            Interlocked.Decrement(ref waiting);
        }
        var now = Interlocked.Increment(ref inUse);
        int seen;
        while (now > (seen = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, now, seen) != seen) { }
        return new Slot(this);
    }

    private sealed class Slot(SeedSlots owner) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) != 0) return;
            Interlocked.Decrement(ref owner.inUse);
            owner.free.Release();
        }
    }
}
