using System.CommandLine;
using System.Text.Json;
using SingleDarts.Search;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Relaxations;

using SingleDarts.Search.Options;

namespace SingleDarts.Cli;

/// <summary><c>singledarts bench</c>: step time per method and data-pipeline throughput, as JSON.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var d = new BenchOptions();
        var methods = new Option<string[]>("--methods")
        {
            Description = "methods to time",
            DefaultValueFactory = _ => [.. d.Methods],
            AllowMultipleArgumentsPerToken = true,
        }.AcceptOnlyFromAmong([.. MethodPresets.Names]);
        var relax = new Option<string?>("--relax") { Description = "a relaxation every method runs with instead of its preset's" }
            .AcceptOnlyFromAmong([.. Enum.GetValues<Relaxation>().Select(r => r.ToOption())]);
        var space = new Option<string>("--space") { Description = "search space", DefaultValueFactory = _ => d.Space }
            .AcceptOnlyFromAmong([.. SearchSpaces.Names]);
        var channels = new Option<int>("--channels") { Description = "C", DefaultValueFactory = _ => d.Channels };
        var cells = new Option<int?>("--cells")
        {
            Description = string.Join("; ", SearchSpaces.All.Select(s => $"{s.Name}: {s.CellsMeaning} (default {s.DefaultCells}, at least {s.MinCells})")),
        };
        var size = new Option<int>("--image-size") { Description = "image side", DefaultValueFactory = _ => d.ImageSize };
        var batch = new Option<int>("--batch-size") { Description = "batch", DefaultValueFactory = _ => d.BatchSize };
        var steps = new Option<int>("--steps") { Description = "timed steps per method", DefaultValueFactory = _ => d.Steps };
        var warmup = new Option<int>("--warmup") { Description = "untimed steps first", DefaultValueFactory = _ => d.Warmup };
        var threads = new Option<int>("--threads") { Description = "libtorch threads", DefaultValueFactory = _ => d.Threads };
        var device = new Option<string>("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => d.Device }
            .AcceptOnlyFromAmong([.. SearchOptions.Devices]);
        var loader = new Option<bool>("--loader") { Description = "also time the data pipeline alone", DefaultValueFactory = _ => true };

        var command = new Command("bench", "Time search steps (median ms/step after warm-up, images/s, peak RSS) and the data pipeline; prints JSON.")
        {
            space, methods, relax, channels, cells, size, batch, steps, warmup, threads, device, loader,
        };
        command.SetAction(parse =>
        {
            var o = new BenchOptions
            {
                Space = parse.GetValue(space)!,
                Methods = parse.GetValue(methods)!,
                Channels = parse.GetValue(channels),
                Cells = parse.GetValue(cells) ?? SearchSpaces.Get(parse.GetValue(space)).DefaultCells,
                ImageSize = parse.GetValue(size),
                BatchSize = parse.GetValue(batch),
                Steps = parse.GetValue(steps),
                Warmup = parse.GetValue(warmup),
                Threads = parse.GetValue(threads),
                Device = parse.GetValue(device)!,
                Relax = parse.GetValue(relax) is { } r ? Enum.Parse<Relaxation>(r, ignoreCase: true) : null,
            };
            var problems = new List<string>();
            if (o.Channels <= 0) problems.Add($"--channels must be positive, got {o.Channels}");
            if (o.Cells <= 0) problems.Add($"--cells must be positive, got {o.Cells}");
            var chosen = SearchSpaces.Get(o.Space);
            if (o.Cells > 0 && o.Cells < chosen.MinCells) problems.Add($"--cells must be at least {chosen.MinCells} in the {chosen.Name} space ({chosen.CellsMeaning}), got {o.Cells}");
            if (o.ImageSize < 4) problems.Add($"--image-size must be at least 4, got {o.ImageSize}");
            if (o.BatchSize <= 0) problems.Add($"--batch-size must be positive, got {o.BatchSize}");
            if (o.Steps <= 0) problems.Add($"--steps must be positive, got {o.Steps}");
            if (o.Warmup < 0) problems.Add($"--warmup must not be negative, got {o.Warmup}");
            if (ThreadCount.Problem(o.Threads) is { } threadProblem) problems.Add(threadProblem);
            if (problems.Count == 0) problems.AddRange(StepBenchmark.Problems(o));
            if (problems.Count > 0) throw new SearchConfigException(problems);

            var timings = o.Methods.Select(m => StepBenchmark.Time(o, m)).ToList();
            if (timings.FirstOrDefault(t => t.Method == "single") is { MsPerStepMedian: > 0 } single)
                timings = [.. timings.Select(t => t with { VsSingle = Math.Round(t.MsPerStepMedian / single.MsPerStepMedian, 2) })];
            var loaders = parse.GetValue(loader)
                ? new[] { 32, 16 }.Select(s => StepBenchmark.TimeLoader(s, o.BatchSize)).ToList()
                : [];
            var report = new
            {
                TorchSharp = TorchRuntime.TorchSharpVersion,
                Libtorch = TorchRuntime.LibTorchVersion,
                Threads = TorchSharp.torch.get_num_threads(),
                o.Device,
                o.Space,
                o.Channels,
                o.Cells,
                o.ImageSize,
                o.BatchSize,
                o.Steps,
                o.Warmup,
                Relax = o.Relax?.ToOption(),
                Methods = timings,
                Loader = loaders,
            };
            Console.WriteLine(JsonSerializer.Serialize(report, Json.Options));
            return CliRunner.Ok;
        });
        return command;
    }
}
