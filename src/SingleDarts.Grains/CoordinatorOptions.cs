namespace SingleDarts.Grains;

/// <summary>How a sweep's coordinator watches over its seeds (section <c>SingleDarts:Coordinator</c>).</summary>
public sealed class CoordinatorOptions
{
    public const string Section = "SingleDarts:Coordinator";

    /// <summary>
    /// Period of the coordinator's reminder (durable with Azure Table reminders): it activates a
    /// coordinator whose silo was lost. Orleans' minimum reminder period applies (1 minute unless
    /// ReminderOptions.MinimumReminderPeriod is lowered).
    /// </summary>
    public TimeSpan Watchdog { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a running coordinator calls its running seeds, so that one whose silo was lost resumes elsewhere.</summary>
    public TimeSpan WakeSeeds { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most seeds (methods × seeds) a sweep may have. A coordinator keeps ~55 bytes a seed in one
    /// storage row (its state, its last held-out accuracy, metrics and genotype; 10,000 seeds measured at
    /// 551 KiB as the row's JSON); Azure Table's 1 MiB entity holds about 18,000 seeds' records, so the
    /// default leaves room. With blob grain state (no row limit) it may be raised.
    /// </summary>
    public int MaxSeeds { get; set; } = 10_000;
}
