using System.Collections.Concurrent;

namespace SingleDarts.Grains;

/// <summary>
/// The search threads of this silo. When the silo's services are disposed (the silo stops or is
/// torn down), every thread is told to stop and awaited, so that no search outlives its silo and
/// races the activation that resumes it elsewhere. (A killed process takes its threads with it.)
/// </summary>
public sealed class SeedThreads : IDisposable
{
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<SeedExecution, byte> running = new();
    private volatile bool disposed;

    internal void Add(SeedExecution execution)
    {
        if (disposed)
        {
            execution.Cancel();
            return;
        }
        running[execution] = 0;
        execution.Completion.ContinueWith(_ => running.TryRemove(execution, out byte _), TaskScheduler.Default);
    }

    public int Count => running.Count;

    public void Dispose()
    {
        disposed = true;
        var all = running.Keys.ToArray();
        foreach (var execution in all) execution.Cancel();
        Task.WaitAll([.. all.Select(e => e.Completion)], StopWait);
    }
}
