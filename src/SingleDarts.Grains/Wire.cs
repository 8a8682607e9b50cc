using SingleDarts.Abstractions;
using SingleDarts.Search.Metrics;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Grains;

/// <summary>The search core's records as the grains carry them (plain values, no libtorch types).</summary>
public static class Wire
{
    public static MetricInfo Of(MetricDefinition m) => new()
    {
        Key = m.Key,
        Label = m.Label,
        Column = m.Column,
        Unit = m.Unit,
        Min = m.Min,
        Max = m.Max,
        Better = m.Better switch { Better.Higher => MetricBetter.Higher, Better.Lower => MetricBetter.Lower, _ => MetricBetter.Neither },
        Summary = m.Summary == Summary.Median ? MetricSummary.Median : MetricSummary.Mean,
        Decimals = m.Decimals,
        Headline = m.Headline,
        Source = m.Source,
        Description = m.Description,
        CollapseCount = m.CollapseCount,
    };

    public static MetricInfo[] Of(IEnumerable<MetricDefinition> metrics) => [.. metrics.Select(Of)];

    public static SpaceInfo Of(ISearchSpace space) => new()
    {
        Name = space.Name,
        Ops = [.. space.Operations],
        Groups = [.. space.AlphaGroups.Select(g => g.Name)],
        GroupEdges = [.. space.AlphaGroups.Select(g => g.Edges.ToArray())],
        CountedEdges = space.CountedEdges,
        SlotLabels = [.. space.SlotLabels],
        SlotValues = [.. space.SlotValues],
        DefaultAlarmEpochs = space.DefaultAlarmEpochs,
    };

    /// <summary>An epoch of a search or an evaluation.</summary>
    public static EpochSummary Of(EpochRecord r) => new()
    {
        Epoch = r.Epoch,
        TrainLoss = r.TrainLoss,
        TrainAcc = r.TrainAcc,
        ValidAcc = r.ValidAcc,
        TestAcc = r.TestAcc,
        Lr = r.Lr,
        Arch = r.Arch,
        Alphas = r.Alphas,
        OpWeights = r.OpWeights,
        OpShares = r.OpShares,
        Slots = r.Slots,
        Metrics = new Dictionary<string, double>(r.Metrics, StringComparer.Ordinal),
        Seconds = r.Seconds,
        ImagesPerSecond = r.StepSeconds > 0 ? r.Images / r.StepSeconds : null,
        Stop = r.Stop,
        ResultEpoch = r.ResultEpoch,
    };
}
