using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using SingleDarts.Abstractions;
using SingleDarts.Hosting;
using SingleDarts.Hosting.Storage;
using SingleDarts.Search;
using SingleDarts.Search.Runs;

namespace SingleDarts.Cli.Sweeps;

/// <summary>
/// <c>sweep bench</c>: what the orchestration costs. Runs a spec's seeds one after another directly
/// in this process, then as a sweep on an embedded one-slot silo (so also one after another), in
/// alternating rounds; reports both wall times, their ratio, and whether every seed's α is
/// bit-identical between the two.
/// </summary>
public static class SweepBench
{
    public static Command Create()
    {
        var file = new Option<string>("--file", "-f") { Description = "the sweep spec", Required = true };
        var rounds = new Option<int>("--rounds") { Description = "direct/grains pairs, alternating", DefaultValueFactory = _ => 2 };
        var runs = new Option<string>("--runs") { Description = "scratch folder for the run folders (emptied first)", DefaultValueFactory = _ => Path.Combine("runs", "sweep-bench") };
        var gateway = SweepCommand.GatewayOption();
        var dedicated = new Option<bool>("--direct-on-thread") { Description = "run the direct seeds on a dedicated thread, as seed grains do (separates threading effects from orchestration)" };
        var command = new Command("bench", "Measure orchestration overhead: the spec's seeds directly vs through grains on an embedded silo; prints JSON.")
        {
            file, rounds, runs, gateway, dedicated,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var (spec, _) = SweepSpecFile.Read(parse.GetValue(file)!);
            var n = parse.GetValue(rounds);
            if (n <= 0) throw new SearchConfigException($"--rounds must be positive, got {n}");
            var root = Path.GetFullPath(parse.GetValue(runs)!);
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
            var seeds = spec.Pairs().ToList();
            var results = new List<object>();
            for (var round = 0; round < n; round++)
            {
                // ABBA order: the machine's drift (turbo, other load) does not favour one side
                var grainsFirst = round % 2 == 1;
                double grainSeconds = 0, directSeconds = 0;
                SweepStatus? grainStatus = null;
                Dictionary<(string, long), float[][]> directAlphas = [];
                GcUse grainGc = default, directGc = default;
                async Task Grains()
                {
                    var gc = GcUse.Now();
                    (grainSeconds, grainStatus) = await ThroughGrains(spec, root, round, parse.GetValue(gateway)!, cancel);
                    grainGc = GcUse.Now() - gc;
                }
                if (grainsFirst) await Grains();
                var before = GcUse.Now();
                (directSeconds, directAlphas) = parse.GetValue(dedicated)
                    ? await Task.Factory.StartNew(() => Direct(spec, seeds, root, round, cancel), cancel, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                    : Direct(spec, seeds, root, round, cancel);
                directGc = GcUse.Now() - before;
                if (!grainsFirst) await Grains();
                var identical = grainStatus!.Seeds.All(x => x.State == SeedState.Completed
                    && Bits(x.Last!.Alphas).SequenceEqual(Bits(directAlphas[(x.Method, x.Seed)])));
                results.Add(new
                {
                    Round = round + 1,
                    Order = grainsFirst ? "grains, direct" : "direct, grains",
                    DirectSeconds = directSeconds,
                    GrainSeconds = grainSeconds,
                    Ratio = grainSeconds / directSeconds,
                    AlphasBitIdentical = identical,
                    DirectGc = directGc,
                    GrainGc = grainGc,
                });
                Console.Error.WriteLine($"round {round + 1}: direct {directSeconds:F2} s, grains {grainSeconds:F2} s, ratio {grainSeconds / directSeconds:F4}, α identical: {identical}");
            }
            Console.WriteLine(JsonSerializer.Serialize(new { Spec = spec.Name, Seeds = seeds.Count, Rounds = results }, Json.Options));
            return CliRunner.Ok;
        });
        return command;
    }

    private static (double Seconds, Dictionary<(string, long), float[][]> Alphas) Direct(
        SweepSpec spec, List<(string Method, long Seed)> seeds, string root, int round, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var alphas = new Dictionary<(string, long), float[][]>();
        foreach (var (m, s) in seeds)
            alphas[(m, s)] = SearchRunner.Run(SweepSpecs.OptionsFor(spec, m, s), Path.Combine(root, $"direct-{round}", $"{m}-seed{s}"), cancel: cancel).Alphas;
        return (clock.Elapsed.TotalSeconds, alphas);
    }

    /// <summary>Wall time from the coordinator's start to the last seed's end (silo start-up excluded).</summary>
    private static async Task<(double Seconds, SweepStatus Status)> ThroughGrains(SweepSpec spec, string root, int round, string gateway, CancellationToken cancel)
    {
        await using var cluster = await ClusterConnection.StartLocal(gateway, ClusterSettings.DefaultSiloPort, new LocalWorker(root, 1), new StorageOptions(), new TelemetryOptions(), cancel);
        var grain = cluster.Client.GetGrain<ISweepGrain>($"bench-{round}");
        var started = await grain.Start(spec);
        if (started.Problems.Length > 0) throw new SearchConfigException(started.Problems);
        SweepStatus status;
        while ((status = (await grain.GetStatus())!).State == SweepState.Running) await Task.Delay(1000, cancel);
        return ((status.Seeds.Max(x => x.FinishedAt!.Value) - status.CreatedAt).TotalSeconds, status);
    }

    /// <summary>Collections and GC pause time (managed threads suspended) over a phase.</summary>
    private readonly record struct GcUse(int Gen0, int Gen1, int Gen2, double PauseSeconds)
    {
        public static GcUse Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalSeconds);

        public static GcUse operator -(GcUse a, GcUse b) => new(a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.PauseSeconds - b.PauseSeconds);
    }

    private static IEnumerable<int> Bits(float[][] m) => m.SelectMany(r => r).Select(BitConverter.SingleToInt32Bits);
}
