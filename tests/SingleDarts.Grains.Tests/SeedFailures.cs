using System.Text.Json.Nodes;
using SingleDarts.Abstractions;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// Tests that wait on seeds stop as soon as a seed has failed, with its reason, instead of sitting
/// out their time limit on something already decided.
/// </summary>
internal static class SeedFailures
{
    /// <summary>Throws when a seed of <paramref name="status"/> has failed, naming it and its reason.</summary>
    public static void ThrowIfAny(SweepStatus? status, string waitingFor)
    {
        var failed = status?.Seeds.FirstOrDefault(s => s.State == SeedState.Failed);
        if (failed is not null)
            throw new SeedFailedException($"{failed.Method} seed {failed.Seed} of sweep {failed.SweepId} failed while the test waited for {waitingFor}: {failed.Reason}");
    }

    /// <summary>The same for a seed as `sweep status --json` prints it.</summary>
    public static void ThrowIfFailed(JsonNode? seed, string waitingFor)
    {
        if ((string?)seed?["state"] == "failed")
            throw new SeedFailedException($"{seed!["method"]} seed {seed["seed"]} failed while the test waited for {waitingFor}: {seed["reason"]}");
    }
}

internal sealed class SeedFailedException(string message) : Exception(message);
