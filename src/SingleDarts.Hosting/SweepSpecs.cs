using SingleDarts.Abstractions;
using SingleDarts.Grains;
using SingleDarts.Search.Options;

namespace SingleDarts.Hosting;

/// <summary>What a client needs to know of a sweep spec before it reaches a coordinator: the hosting library's face of the coordinator's own checks.</summary>
public static class SweepSpecs
{
    /// <summary>Every problem with the spec (and its id), each one sentence naming what is wrong; empty when it can run.</summary>
    public static IReadOnlyList<string> Validate(SweepSpec spec, string? sweepId = null) => SweepValidation.Validate(spec, sweepId);

    /// <summary>The search options of one of the spec's seeds (call after <see cref="Validate"/> found no problem).</summary>
    public static SearchOptions OptionsFor(SweepSpec spec, string method, long seed) => SweepValidation.OptionsFor(spec, method, seed);
}

/// <summary>The names a process listening to SingleDarts' own meter needs (e.g. a benchmark of the coordinator's state writes).</summary>
public static class SingleDartsInstruments
{
    public static string MeterName => Grains.Telemetry.SingleDartsTelemetry.Name;
    public const string SweepStateWriteSize = "singledarts.sweep.state.write.size";
    public static string SweepIdTag => Grains.Telemetry.SingleDartsMetrics.SweepIdTag;
}
