using System.Globalization;
using System.Text.RegularExpressions;
using SingleDarts.Abstractions;

namespace SingleDarts.Cli.Sweeps;

/// <summary>
/// Seed failures as the CLI reports them: a seed that fails in its first epoch for the reason an
/// earlier seed gave (step numbers aside) is folded into one summary line at the end instead of
/// a line of its own, and the end of a sweep says how many seeds failed and why.
/// </summary>
public sealed partial class SweepFailures
{
    private readonly Dictionary<string, List<SeedStatus>> folded = [];
    private readonly HashSet<string> reported = [];

    /// <summary>False for a failure to fold into the summary (its line is not printed).</summary>
    public bool ShouldPrint(SeedStatus seed)
    {
        if (seed.State != SeedState.Failed) return true;
        var key = Key(seed.Reason);
        if (reported.Add(key) || seed.EpochsDone > 0) return true;
        (folded.TryGetValue(key, out var list) ? list : folded[key] = []).Add(seed);
        return false;
    }

    /// <summary>One line per reason whose repeats were folded: how many seeds, which, and the reason.</summary>
    public IEnumerable<string> FoldedLines() => folded.Select(f =>
        string.Create(CultureInfo.InvariantCulture,
            $"{f.Value.Count} more seed(s) failed in their first epoch the same way ({Names(f.Value)}): {f.Value[0].Reason}"));

    /// <summary>The closing line when seeds failed (null when none did), e.g. "4 of 4 seeds failed; first: …".</summary>
    public static string? Summary(SweepStatus status)
    {
        var failed = status.Seeds.Where(s => s.State == SeedState.Failed).ToList();
        if (failed.Count == 0) return null;
        var perMethod = string.Join(", ", failed.GroupBy(s => s.Method).Select(g => $"{g.Key}: {g.Count()}"));
        var first = failed.MinBy(s => s.FinishedAt ?? DateTimeOffset.MaxValue)!;
        return string.Create(CultureInfo.InvariantCulture,
            $"{failed.Count} of {status.Seeds.Length} seeds failed ({perMethod}); first: {first.Method} seed {first.Seed}{(first.IsEvaluation ? " evaluation" : "")}: {first.Reason}");
    }

    /// <summary>True when the sweep ended with seeds and every one of their searches failed.</summary>
    public static bool AllFailed(SweepStatus status) =>
        status.Seeds.Any(s => !s.IsEvaluation) && status.Seeds.Where(s => !s.IsEvaluation).All(s => s.State == SeedState.Failed);

    private static string Names(List<SeedStatus> seeds)
    {
        var names = seeds.Take(8).Select(s => $"{s.Method} {s.Seed}");
        return string.Join(", ", names) + (seeds.Count > 8 ? $", … {seeds.Count - 8} more" : "");
    }

    private static string Key(string? reason) => Digits().Replace(reason ?? "", "#");

    [GeneratedRegex(@"\d+")]
    private static partial Regex Digits();
}
