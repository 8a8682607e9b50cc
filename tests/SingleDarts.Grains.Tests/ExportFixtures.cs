using SingleDarts.Abstractions;

namespace SingleDarts.Grains.Tests;

/// <summary>
/// A small sweep's state as the coordinator and seeds hold it, made by hand: two methods, a seed that raised its alarm, one
/// that failed in its second epoch on no silo, an epoch without a held-out accuracy, a metric with no value at an epoch and
/// one that is NaN. What the export formats are read back against.
/// </summary>
internal static class ExportFixtures
{
    public static readonly MetricInfo[] Declared =
    [
        new() { Key = "cell.param_free", Label = "parameter-free edges", Column = "param-free", Unit = "edges", Min = 0, Max = 6, Decimals = 0, CollapseCount = true },
        new() { Key = "alpha.entropy", Label = "entropy of α", Column = "H(α)", Unit = "nats", Min = 0, Decimals = 3 },
    ];

    public static readonly DateTimeOffset Start = new(2026, 12, 6, 9, 30, 0, 123, TimeSpan.Zero);

    public static SweepStatus Status(bool synthetic = true) => new()
    {
        Id = "export-test",
        Spec = new SweepSpec { Name = "export", Methods = ["single", "darts-v1"], Seeds = [0, 1] },
        State = SweepState.Completed,
        CreatedAt = Start,
        Metrics = Declared,
        Space = new SpaceInfo { Name = "nb201" },
        Data = synthetic ? "synthetic" : "cifar10",
        SyntheticData = synthetic,
        Seeds = [.. Details(synthetic).Select(d => d.Status)],
    };

    public static SeedDetail[] Details(bool synthetic = true) =>
    [
        Seed("single", 0, [Epoch(1, 2.25, 0.125, 0.5, 1, 1.6094), Epoch(2, 1.5, 0.25, null, 2, 1.5)]),
        Seed("single", 1, [Epoch(1, 2.0, 0.2, 0.3, 3, null), Epoch(2, 1.75, 0.3, 0.35, 4, double.NaN)], alarmEpoch: 2),
        Seed("darts-v1", 0, [Epoch(1, 2.5, 0.1, 0.1, 4, 1.2)], state: SeedState.Failed, silo: null),
        Seed("darts-v1", 1, [Epoch(1, 1e-7, 1, 0.999, 6, 0), Epoch(2, -0.5, 0.75, 0.5, 5, 1234567.891)]),
    ];

    private static EpochSummary Epoch(int epoch, double loss, double train, double? valid, int paramFree, double? entropy) => new()
    {
        Epoch = epoch,
        TrainLoss = loss,
        TrainAcc = train,
        ValidAcc = valid,
        Lr = 0.025 / epoch,
        Arch = $"|skip_connect~0|+|none~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~{epoch}|",
        Seconds = 10.5 * epoch,
        ImagesPerSecond = epoch == 1 ? 1234.5 : null,
        Metrics = entropy is { } h ? new() { ["cell.param_free"] = paramFree, ["alpha.entropy"] = h } : new() { ["cell.param_free"] = paramFree },
    };

    private static SeedDetail Seed(string method, long seed, EpochSummary[] history, SeedState state = SeedState.Completed, string? silo = "127.0.0.1:11111",
        int? alarmEpoch = null) => new()
    {
        Space = "nb201",
        Metrics = Declared,
        History = history,
        Status = new SeedStatus
        {
            SweepId = "export-test",
            Method = method,
            Seed = seed,
            State = state,
            Silo = silo,
            Space = "nb201",
            Epochs = 2,
            EpochsDone = history.Length,
            Last = history[^1],
            StartedAt = Start.AddMinutes(seed),
            FinishedAt = state == SeedState.Completed ? Start.AddMinutes(seed + 5) : null,
            AlarmEpoch = alarmEpoch,
            Alarm = alarmEpoch is null ? null : "collapse alarm after epoch 2",
            Reason = state == SeedState.Failed ? "the training loss became NaN at epoch 2, step 3" : null,
        },
    };

    public static async IAsyncEnumerable<SeedDetail> Async(IEnumerable<SeedDetail> seeds)
    {
        foreach (var s in seeds)
        {
            await Task.Yield();
            yield return s;
        }
    }

    /// <summary>Every (seed, epoch) row the table should have, in order.</summary>
    public static IEnumerable<(SeedDetail Seed, EpochSummary Epoch)> Rows() => Details().SelectMany(d => d.History.Select(e => (d, e)));
}
