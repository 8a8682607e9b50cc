namespace SingleDarts.Abstractions;

/// <summary>
/// What every view says of a sweep or search on synthetic data (the README's first job runs one): its figures show the mechanics,
/// not the methods' behaviour, so collapse rates and alarms are marked rather than presented as findings. One wording, here.
/// </summary>
public static class SyntheticData
{
    /// <summary>The real comparison, on CIFAR-10 at CPU scale (the README's <i>The real comparison</i>).</summary>
    public const string RealCommand = "singledarts data download cifar10 && singledarts sweep start -f examples/nb201-cpu-scale.yaml --local";

    /// <summary>The line before the first epoch and above the stability table.</summary>
    public const string Line = "synthetic data: these figures show the mechanics, not the methods' behaviour (α barely moves on generated images); " +
                               "for the real comparison run `" + RealCommand + "`";

    /// <summary>What stands in for, or next to, a collapse rate or alarm.</summary>
    public const string NotMeaningful = "not meaningful on synthetic data";
}
