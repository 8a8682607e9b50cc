using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// Wraps a silo's grain storage to count what is written, per state name ("sweep", "seed",
/// "registry"): writes, bytes as the storage's serializer makes them, the largest write, and
/// failed writes.
/// </summary>
internal sealed class CountingGrainStorage(IGrainStorage inner, IGrainStorageSerializer serializer) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public sealed class Tally
    {
        public long Writes, Bytes, Largest, Failures;
    }

    public ConcurrentDictionary<string, Tally> Tallies { get; } = new();

    public Tally Of(string stateName) => Tallies.GetOrAdd(stateName, _ => new Tally());

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var size = serializer.Serialize(grainState.State).ToMemory().Length;
        var tally = Of(stateName);
        try
        {
            await inner.WriteStateAsync(stateName, grainId, grainState);
        }
        catch
        {
            Interlocked.Increment(ref tally.Failures);
            throw;
        }
        Interlocked.Increment(ref tally.Writes);
        Interlocked.Add(ref tally.Bytes, size);
        long seen;
        while ((seen = Interlocked.Read(ref tally.Largest)) < size && Interlocked.CompareExchange(ref tally.Largest, size, seen) != seen) { }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    /// <summary>Wraps the grain storage named <paramref name="name"/> (register after the silo's own storage).</summary>
    public static void Install(IServiceCollection services, string name)
    {
        var original = services.Last(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, name));
        services.Remove(original);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) =>
        {
            var inner = original.KeyedImplementationInstance as IGrainStorage
                ?? (original.KeyedImplementationFactory is { } factory ? (IGrainStorage)factory(sp, key)
                    : (IGrainStorage)ActivatorUtilities.CreateInstance(sp, original.KeyedImplementationType!));
            return new CountingGrainStorage(inner, sp.GetRequiredService<IGrainStorageSerializer>());
        });
    }
}
