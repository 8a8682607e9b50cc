using System.Globalization;
using SingleDarts.Abstractions;

namespace SingleDarts.Cli.Sweeps;

/// <summary>
/// How far a sweep is, and how long the rest will take at the pace seen so far: the pace counts only the
/// seed-epochs done after <paramref name="since"/>, when the sweep stood at <paramref name="first"/>, so a
/// sweep continued after a restart, or watched late, is not credited with the epochs it had already done.
/// </summary>
public sealed class SweepProgress(DateTimeOffset since, SweepStatus? first = null)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly long baseline = first is null ? 0 : Epochs(first).Done;

    /// <summary>The one-line plan <c>sweep start</c> states: sizes, epochs and the slots that will run them.</summary>
    public static string Plan(SweepStatus status, string where)
    {
        var searches = status.Seeds.Where(s => !s.IsEvaluation).ToArray();
        var epochs = searches.FirstOrDefault()?.Epochs ?? 0;
        var evaluation = status.Seeds.FirstOrDefault(s => s.IsEvaluation) is { } e ? $", then {e.Epochs} epochs of evaluation per completed seed" : "";
        var seeds = status.Spec.MethodSeeds is null ? string.Create(Inv, $"x {status.Spec.Seeds.Length:N0} seed(s)") : $", seeds {status.Spec.SeedsText()}";
        return string.Create(Inv,
            $"sweep {status.Id}: {status.Spec.Methods.Length} method(s){(status.Spec.MethodSeeds is null ? " " : "")}{seeds} = {searches.Length:N0} seeds x {epochs} epochs " +
            $"({searches.Length * (long)epochs:N0} seed-epochs){evaluation} on {where}, {status.Slots} worker slot(s) now");
    }

    /// <summary>Seed-epochs done and in all (an ended seed's remaining epochs — failed, cancelled, stopped early — are not to be done).</summary>
    public static (long Done, long Total) Epochs(SweepStatus status) =>
        (status.Seeds.Sum(s => (long)s.EpochsDone),
         status.Seeds.Sum(s => s.State.IsFinal() ? s.EpochsDone : (long)s.Epochs));

    /// <summary>"about 12 min left at 840 seed-epochs/min", once enough epochs are timed; null before.</summary>
    public string? Estimate(SweepStatus status, DateTimeOffset now)
    {
        var (all, total) = Epochs(status);
        var done = all - baseline;
        var elapsed = now - since;
        if (done <= 0 || elapsed < TimeSpan.FromSeconds(5) || (done < Math.Max(status.Slots, 1) && elapsed < TimeSpan.FromMinutes(1))) return null;
        var perMinute = done / elapsed.TotalMinutes;
        var left = TimeSpan.FromMinutes((total - all) / perMinute);
        return string.Create(Inv, $"about {Duration(left)} left at {(perMinute >= 10 ? perMinute.ToString("N0", Inv) : perMinute.ToString("0.##", Inv))} seed-epochs/min");
    }

    /// <summary>A progress line for sweeps too big for a line per seed and epoch.</summary>
    public string Line(SweepStatus status, DateTimeOffset now)
    {
        int Count(SeedState s) => status.Seeds.Count(x => x.State == s && !x.IsEvaluation);
        var (done, total) = Epochs(status);
        var line = string.Create(Inv,
            $"progress: {Count(SeedState.Completed):N0} completed, {Count(SeedState.Running):N0} running, {Count(SeedState.Queued):N0} queued, " +
            $"{Count(SeedState.Failed):N0} failed of {status.Seeds.Count(x => !x.IsEvaluation):N0} seeds; {done:N0}/{total:N0} seed-epochs ({100.0 * done / Math.Max(total, 1):F1}%)");
        return Estimate(status, now) is { } estimate ? $"{line}; {estimate}" : line;
    }

    private static string Duration(TimeSpan t) => t.TotalMinutes < 1 ? $"{Math.Max(1, (int)t.TotalSeconds)} s"
        : t.TotalHours < 1 ? $"{(int)Math.Round(t.TotalMinutes)} min"
        : string.Create(Inv, $"{(int)t.TotalHours} h {t.Minutes} min");
}
