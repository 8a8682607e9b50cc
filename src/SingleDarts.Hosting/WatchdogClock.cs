using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace SingleDarts.Hosting;

/// <summary>
/// The clock of Orleans' silo watchdog, counting from its own creation. Orleans 10.4's
/// <c>Watchdog.Start</c> starts its platform thread before it stamps the component check, so that
/// thread's first look may measure from the unset stamp 0 — the machine's monotonic clock, i.e. its
/// uptime — and a fresh silo warns "Participant check thread has not completed for 00:43:50". With
/// this clock an unset stamp reads as the time since the silo was built (seconds, under the 2 ×
/// LocalHealthDegradationMonitoringPeriod it is compared with), while every real interval is unchanged.
/// </summary>
public sealed class WatchdogClock : TimeProvider
{
    private readonly long origin = Stopwatch.GetTimestamp();

    public override long GetTimestamp() => Stopwatch.GetTimestamp() - origin;

    public override long TimestampFrequency => Stopwatch.Frequency;

    /// <summary>Orleans' internal watchdog type, or null when a later Orleans has renamed it (then nothing is changed).</summary>
    internal static Type? WatchdogType => typeof(Orleans.Runtime.Silo).Assembly.GetType("Orleans.Runtime.Watchdog");

    /// <summary>Builds the silo's watchdog with this clock (the registration added last is the one resolved).</summary>
    internal static void Use(IServiceCollection services)
    {
        if (WatchdogType is not { } type) return;
        services.AddSingleton(type, sp => ActivatorUtilities.CreateInstance(sp, type, new WatchdogClock()));
    }
}
