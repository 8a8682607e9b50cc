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
}
