using System.Diagnostics;

namespace SingleDarts.Grains.Telemetry;

/// <summary>
/// The <c>SingleDarts</c> activity source and how its spans nest across grain calls: sweep (the
/// coordinator, from start to end) → seed (a seed grain's run on a worker) → epoch (on the search
/// thread) → checkpoint. The parent travels in the Orleans request context, so the nesting holds
/// whether or not Orleans' own activity propagation is on; with it on, Orleans' call spans sit in
/// between.
/// </summary>
public static class SingleDartsTelemetry
{
    public const string Name = "SingleDarts";
    public static readonly string Version = typeof(SingleDartsTelemetry).Assembly.GetName().Version?.ToString() ?? "0.0.0";
    public static readonly ActivitySource Source = new(Name, Version);

    /// <summary>
    /// Orleans' activity sources for grain calls, activation/placement and grain storage. Not
    /// <c>Microsoft.Orleans.Runtime</c>: its membership and system-target calls every few seconds
    /// would bury the sweep traces.
    /// </summary>
    public static readonly string[] OrleansSources =
        ["Microsoft.Orleans.Application", "Microsoft.Orleans.Lifecycle", "Microsoft.Orleans.Storage"];

    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>The request-context key of the W3C trace parent our spans pass to the grains they call.</summary>
    private const string ParentKey = "singledarts.traceparent";

    /// <summary>The parent a grain call brought: Orleans' call span when it continues our trace, else what the caller put in the request context.</summary>
    public static string? IncomingParent()
    {
        var sent = RequestContext.Get(ParentKey) as string ?? RequestContext.Get("traceparent") as string;
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current
            && (sent is null || (ActivityContext.TryParse(sent, null, out var s) && s.TraceId == current.TraceId)))
            return current.Id;
        return sent;
    }

    /// <summary>
    /// Starts a span under <paramref name="parent"/> (a W3C id) without making it the ambient
    /// activity: grain spans outlive the turn that starts them.
    /// </summary>
    public static Activity? Start(string name, string? parent, TagList tags, DateTimeOffset startTime = default)
    {
        if (!Source.HasListeners()) return null;
        var context = parent is not null && ActivityContext.TryParse(parent, null, out var p) ? p : default;
        var previous = Activity.Current;
        var activity = Source.StartActivity(ActivityKind.Internal, context, tags, name: name, startTime: startTime);
        Activity.Current = previous;
        return activity;
    }

    /// <summary>Ends a span (with an error status when <paramref name="error"/> is set) without touching the ambient activity.</summary>
    public static void End(Activity? activity, string? error = null)
    {
        if (activity is null) return;
        if (error is not null) activity.SetStatus(ActivityStatusCode.Error, error);
        var previous = Activity.Current;
        activity.Stop();
        Activity.Current = previous == activity ? null : previous;
    }

    /// <summary>Runs a grain call with <paramref name="parent"/> as the parent its spans will have.</summary>
    public static async Task<T> Under<T>(Activity? parent, Func<Task<T>> call)
    {
        if (parent?.Id is not { } id) return await call();
        var previous = Activity.Current;
        Activity.Current = parent;
        RequestContext.Set(ParentKey, id);
        try
        {
            return await call();
        }
        finally
        {
            RequestContext.Remove(ParentKey);
            Activity.Current = previous;
        }
    }
}
