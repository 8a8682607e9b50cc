using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace SingleDarts.Tests;

/// <summary>
/// Counts TorchSharp objects (tensors, scalars, generators, modules…) that the runtime
/// <em>finalizes</em> while it listens, by type, from the runtime's own FinalizeObject events.
/// A TorchSharp object that is finalized instead of disposed was owned by nobody, and a native
/// handle owned by nobody can be freed by the finalizer thread while libtorch still uses it. The
/// search code must dispose every one of them, so the expected count is zero.
/// Not counted: TorchSharp 0.107's Module.Dispose leaves the module's BoxedModule (and its handle)
/// to the finalizer — a second reference to the native module that nothing uses once the module
/// is disposed, so finalizing it frees nothing under a live call.
/// </summary>
internal sealed class FinalizerWatch : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Dictionary<IntPtr, string> torchTypes = [];
    private readonly ConcurrentDictionary<string, int> finalized = new();
    private readonly ManualResetEventSlim enabled = new();
    private volatile bool counting;

    public FinalizerWatch()
    {
        foreach (var type in typeof(TorchSharp.torch).Assembly.GetTypes())
            if (!type.ContainsGenericParameters && !IsModuleBox(type))
                torchTypes[type.TypeHandle.Value] = type.FullName ?? type.Name;
        // the runtime's event source may be created before or during this constructor
        enabled.Wait(TimeSpan.FromSeconds(10));
    }

    /// <summary>Finalizes everything already unreachable (earlier work), then starts counting.</summary>
    public void Start()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Thread.Sleep(200); // events are delivered asynchronously
        finalized.Clear();
        counting = true;
    }

    /// <summary>Stops counting after finalizing what became unreachable meanwhile; type → count.</summary>
    public IReadOnlyDictionary<string, int> Stop()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Thread.Sleep(500);
        counting = false;
        return new Dictionary<string, int>(finalized);
    }

    private static bool IsModuleBox(Type type) =>
        type.FullName is "TorchSharp.torch+nn+BoxedModule" or "TorchSharp.torch+nn+BoxedModule+HType" or "TorchSharp.torch+nn+Module+HType";

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name != "Microsoft-Windows-DotNETRuntime") return;
        EnableEvents(source, EventLevel.Verbose, GcKeyword);
        enabled.Set();
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!counting || e.EventName != "FinalizeObject" || e.Payload is not [IntPtr typeId, ..]) return;
        if (torchTypes.TryGetValue(typeId, out var name)) finalized.AddOrUpdate(name, 1, (_, n) => n + 1);
    }

    public override void Dispose()
    {
        base.Dispose();
        enabled.Dispose();
    }
}
