using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using SingleDarts.Abstractions;
using SingleDarts.Hosting;
using SingleDarts.Hosting.Storage;
using SingleDarts.Search;
using SingleDarts.Search.Runs;

using SingleDarts.Search.Options;

namespace SingleDarts.Cli.Sweeps;

/// <summary>
/// <c>sweep scale-bench</c>: what the coordinator sustains. Sweeps of 100, 1,000 and 10,000 seeds of
/// the simulated search (no libtorch: each epoch sleeps, then yields a deterministic record) on an
/// embedded silo with many slots, measuring seed-epochs per second, the coordinator's state writes
/// (count and bytes, from its own metric) and `sweep status` latency while the sweep runs.
/// </summary>
public static class SweepScaleBench
{
    private sealed record Row(int Seeds, int Epochs, double Seconds, double SeedEpochsPerSecond, long StateWrites, long StateBytes,
        double StateBytesPerEpoch, long LargestStateWrite, double StatusMsMedian, double StatusMsP90, double StatusMsMax, int StatusCalls);

    public static Command Create()
    {
        var seeds = new Option<int[]>("--seeds") { Description = "sweep sizes to measure", DefaultValueFactory = _ => [100, 1_000, 10_000], AllowMultipleArgumentsPerToken = true };
        var epochs = new Option<int>("--epochs") { Description = "epochs per seed", DefaultValueFactory = _ => 50 };
        var slots = new Option<int>("--slots") { Description = "seeds the embedded silo runs at once", DefaultValueFactory = _ => 256 };
        var epochMs = new Option<int>("--epoch-ms") { Description = "simulated time of one epoch", DefaultValueFactory = _ => 20 };
        var gateway = SweepCommand.GatewayOption();
        var siloPort = new Option<int>("--silo-port") { Description = "the embedded silo's port", DefaultValueFactory = _ => ClusterSettings.DefaultSiloPort };
        var command = new Command("scale-bench", "Measure the coordinator at scale with a simulated search: seed-epochs/s, state writes, status latency; prints JSON.")
        {
            seeds, epochs, slots, epochMs, gateway, siloPort,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var (sizes, e, s, ms) = (parse.GetValue(seeds)!, parse.GetValue(epochs), parse.GetValue(slots), parse.GetValue(epochMs));
            var problems = new List<string>();
            if (sizes.Length == 0 || sizes.Any(n => n <= 0)) problems.Add("--seeds: positive sweep sizes");
            if (e <= 0) problems.Add($"--epochs must be positive, got {e}");
            if (s <= 0) problems.Add($"--slots must be positive, got {s}");
            if (ms < 0) problems.Add($"--epoch-ms must not be negative, got {ms}");
            if (problems.Count > 0) throw new SearchConfigException(problems);

            var rows = new List<Row>();
            foreach (var n in sizes)
            {
                var row = await Measure(n, e, s, TimeSpan.FromMilliseconds(ms), parse.GetValue(gateway)!, parse.GetValue(siloPort), cancel);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{n} seeds x {e} epochs: {row.Seconds:F1} s, {row.SeedEpochsPerSecond:F0} seed-epochs/s, {row.StateWrites} state writes ({row.StateBytes / 1024.0:F0} KiB), status median {row.StatusMsMedian:F0} ms, max {row.StatusMsMax:F0} ms"));
                rows.Add(row);
            }
            Console.WriteLine(JsonSerializer.Serialize(new { EpochMs = ms, Slots = s, Runs = rows }, Json.Options));
            return CliRunner.Ok;
        });
        return command;
    }

    private static async Task<Row> Measure(int seeds, int epochs, int slots, TimeSpan epochTime, string gateway, int siloPort, CancellationToken cancel)
    {
        var root = Path.Combine(Path.GetTempPath(), "singledarts-scale-bench", Guid.NewGuid().ToString("N"));
        await using var cluster = await ClusterConnection.StartLocal(gateway, siloPort, new LocalWorker(root, slots, SimulatedEpochTime: epochTime),
            new StorageOptions(), new TelemetryOptions(), cancel);
        var id = $"scale-{seeds}-{Guid.NewGuid():N}"[..24];
        using var writes = new StateWrites(id);
        var spec = new SweepSpec
        {
            Name = "scale-bench",
            Methods = ["single"],
            Seeds = [.. Enumerable.Range(0, seeds).Select(i => (long)i)],
            SearchJson = SearchOptionsJson.ToJson(new SearchOptions { Epochs = epochs, Threads = 1 }),
            CollapseThreshold = 4,
        };
        var grain = cluster.Client.GetGrain<ISweepGrain>(id);
        var clock = Stopwatch.StartNew();
        var started = await grain.Start(spec);
        if (started.Problems.Length > 0) throw new SearchConfigException(started.Problems);
        var latencies = new List<double>();
        SweepStatus status;
        while (true)
        {
            var asked = Stopwatch.StartNew();
            status = (await grain.GetStatus())!;
            latencies.Add(asked.Elapsed.TotalMilliseconds);
            if (status.State != SweepState.Running) break;
            await Task.Delay(250, cancel);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
        latencies.Sort();
        return new Row(seeds, epochs, Math.Round(seconds, 1), Math.Round(seeds * (double)epochs / seconds), writes.Count, writes.Bytes,
            Math.Round(writes.Bytes / (seeds * (double)epochs), 1), writes.Largest,
            Math.Round(latencies[latencies.Count / 2], 1), Math.Round(latencies[(int)(0.9 * (latencies.Count - 1))], 1), Math.Round(latencies[^1], 1), latencies.Count);
    }

    /// <summary>The coordinator's state writes of one sweep, from its own metric.</summary>
    private sealed class StateWrites : IDisposable
    {
        private readonly MeterListener listener = new();
        private long count, bytes, largest;

        public StateWrites(string sweepId)
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == SingleDartsInstruments.MeterName && instrument.Name == SingleDartsInstruments.SweepStateWriteSize) l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                    if (tag.Key == SingleDartsInstruments.SweepIdTag && (string?)tag.Value == sweepId)
                    {
                        Interlocked.Increment(ref count);
                        Interlocked.Add(ref bytes, value);
                        long seen;
                        while ((seen = Interlocked.Read(ref largest)) < value && Interlocked.CompareExchange(ref largest, value, seen) != seen) { }
                    }
            });
            listener.Start();
        }

        public long Count => Interlocked.Read(ref count);
        public long Bytes => Interlocked.Read(ref bytes);
        public long Largest => Interlocked.Read(ref largest);

        public void Dispose() => listener.Dispose();
    }
}
