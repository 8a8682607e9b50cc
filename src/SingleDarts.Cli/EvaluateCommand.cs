using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using SingleDarts.Search;
using SingleDarts.Search.Data;
using SingleDarts.Search.Evaluation;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;
using Spectre.Console;

namespace SingleDarts.Cli;

/// <summary><c>singledarts evaluate</c>: trains a genotype's evaluation network from scratch into a run folder.</summary>
public static class EvaluateCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static string Defaults(Func<EvalOptions, object> value) =>
        string.Join(", ", SearchSpaces.All.Select(s => $"{s.Name} {Convert.ToString(value(s.EvalDefaults), Inv)}"));

    private static Option<T?> Per<T>(string name, string description, Func<EvalOptions, object> value) where T : struct =>
        new(name) { Description = $"{description} (default: {Defaults(value)})" };

    public static Command Create()
    {
        var plain = new EvalOptions();
        var space = new Option<string>("--space") { Description = "search space of the genotype", DefaultValueFactory = _ => "nb201" }
            .AcceptOnlyFromAmong([.. SearchSpaces.Names]);
        var arch = new Option<string?>("--arch")
        {
            Description = "the genotype: the space's text (as search prints it) or a published name (" +
                          string.Join("; ", SearchSpaces.All.Select(s => $"{s.Name}: {string.Join(", ", s.NamedGenotypes.Keys)}")) + ")",
        };
        var seed = new Option<long>("--seed") { Description = "seed of the weights, data order, augmentation and drop-path" };
        var epochs = Per<int>("--epochs", "epochs", o => o.Epochs);
        var batch = Per<int>("--batch-size", "images per batch", o => o.BatchSize);
        var channels = Per<int>("--channels", "C, channels of the first stage", o => o.Channels);
        var cells = Per<int>("--cells", "nb201: N, cells per stage; darts: L, cells in all", o => o.Cells);
        var lr = Per<double>("--lr", "initial learning rate (cosine-annealed per step)", o => o.Lr);
        var lrMin = Per<double>("--lr-min", "final learning rate", o => o.LrMin);
        var momentum = Per<double>("--momentum", "SGD momentum", o => o.Momentum);
        var nesterov = Per<bool>("--nesterov", "Nesterov momentum (true/false)", o => o.Nesterov);
        var wd = Per<double>("--weight-decay", "weight decay", o => o.WeightDecay);
        var clip = Per<double>("--grad-clip", "gradient-norm clip (0: off)", o => o.GradClip);
        var aux = Per<double>("--auxiliary-weight", "weight of the auxiliary head's loss (0: no head; darts only, images of 32 px or more)", o => o.AuxiliaryWeight);
        var dropPath = Per<double>("--drop-path", "drop-path probability reached at the last epoch (darts only)", o => o.DropPath);
        var cutout = Per<int>("--cutout", "side of the cutout square (0: off)", o => o.Cutout);
        var noAugment = new Option<bool>("--no-augment") { Description = "turn off random crop and flip" };
        var data = new Option<string>("--data") { Description = "synthetic; cifar10 or cifar100 (fetched by `singledarts data download`); or a CIFAR-10/100 binary folder or .tar.gz, or an image folder ROOT/{train,test}/<class>/ (it needs the test split)", DefaultValueFactory = _ => DataFormats.Synthetic };
        var dataFormat = new Option<string>("--data-format") { Description = "auto, cifar10, cifar100, imagefolder, synthetic", DefaultValueFactory = _ => DataFormats.Auto }
            .AcceptOnlyFromAmong([.. DataFormats.All]);
        var imageSize = new Option<int?>("--image-size") { Description = "resize images to this side; default: the dataset's own (synthetic: 32)" };
        var trainSize = new Option<int?>("--train-size") { Description = "training images: a class-balanced subset drawn with --data-seed (default: the whole training split)" };
        var testSize = new Option<int?>("--test-size") { Description = "test images: a class-balanced subset drawn with --data-seed (default: the whole test split)" };
        var classes = new Option<int>("--synthetic-classes") { Description = "classes of the synthetic dataset", DefaultValueFactory = _ => plain.SyntheticClasses };
        var dataSeed = new Option<long>("--data-seed") { Description = "seed of the data: synthetic content, --train-size/--test-size subsets" };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (results are reproducible for a fixed count)", DefaultValueFactory = _ => plain.Threads };
        var device = new Option<string>("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" }.AcceptOnlyFromAmong([.. SearchOptions.Devices]);
        var cacheDir = new Option<string?>("--cache-dir") { Description = "the dataset cache: decoded datasets, and the downloaded ones --data cifar10|cifar100 reads (default $SINGLEDARTS_CACHE, else $XDG_CACHE_HOME/singledarts, else ~/.cache/singledarts)" };
        var output = new Option<string?>("--out", "-o") { Description = "run folder (default: runs/eval-<space>-seed<seed>-<time>)" };
        var resume = new Option<bool>("--resume") { Description = "continue the evaluation in --out from its checkpoint" };
        var dryRun = new Option<bool>("--dry-run") { Description = "build the evaluation network and print its genotype, weight count and collapse counts, then exit: no data is read, nothing is written" };

        Option[] runOptions =
        [
            space, arch, seed, epochs, batch, channels, cells, lr, lrMin, momentum, nesterov, wd, clip, aux, dropPath, cutout, noAugment,
            data, dataFormat, imageSize, trainSize, testSize, classes, dataSeed, threads, device,
        ];
        var command = new Command("evaluate", "Train a genotype's evaluation network from scratch and report its test accuracy; writes config.json, epochs.jsonl, result.json and a checkpoint per epoch.");
        foreach (var o in runOptions) command.Options.Add(o);
        command.Options.Add(output);
        command.Options.Add(resume);
        command.Options.Add(cacheDir);
        command.Options.Add(dryRun);

        command.SetAction((parse, cancel) =>
        {
            var spaceName = parse.GetValue(space)!;
            var d = EvalOptions.For(spaceName);
            var options = d with
            {
                Arch = parse.GetValue(arch) is { } a && SearchSpaces.TryGet(spaceName, out var s) ? Resolve(s, a) : parse.GetValue(arch) ?? "",
                Seed = parse.GetValue(seed),
                Epochs = parse.GetValue(epochs) ?? d.Epochs,
                BatchSize = parse.GetValue(batch) ?? d.BatchSize,
                Channels = parse.GetValue(channels) ?? d.Channels,
                Cells = parse.GetValue(cells) ?? d.Cells,
                Lr = parse.GetValue(lr) ?? d.Lr,
                LrMin = parse.GetValue(lrMin) ?? d.LrMin,
                Momentum = parse.GetValue(momentum) ?? d.Momentum,
                Nesterov = parse.GetValue(nesterov) ?? d.Nesterov,
                WeightDecay = parse.GetValue(wd) ?? d.WeightDecay,
                GradClip = parse.GetValue(clip) ?? d.GradClip,
                AuxiliaryWeight = parse.GetValue(aux) ?? d.AuxiliaryWeight,
                DropPath = parse.GetValue(dropPath) ?? d.DropPath,
                Cutout = parse.GetValue(cutout) ?? d.Cutout,
                Augment = !parse.GetValue(noAugment),
                Data = parse.GetValue(data) is { } path && !DownloadableDatasets.IsName(path) ? Path.GetFullPath(path) : parse.GetValue(data)!,
                DataFormat = parse.GetValue(dataFormat)!,
                ImageSize = parse.GetValue(imageSize),
                TrainSize = parse.GetValue(trainSize),
                TestSize = parse.GetValue(testSize),
                SyntheticClasses = parse.GetValue(classes),
                DataSeed = parse.GetValue(dataSeed),
                Threads = parse.GetValue(threads),
                Device = parse.GetValue(device)!,
                CacheDir = parse.GetValue(cacheDir),
            };
            var isResume = parse.GetValue(resume);
            var outDir = parse.GetValue(output);
            if (parse.GetValue(dryRun))
            {
                if (isResume) throw new SearchConfigException("--dry-run builds a new network: it cannot --resume a run");
                var problems = options.Validate();
                if (problems.Count > 0) throw new SearchConfigException(problems);
                foreach (var line in DryRun(options)) Console.WriteLine(line);
                return Task.FromResult(CliRunner.Ok);
            }
            if (isResume)
            {
                if (outDir is null) throw new SearchConfigException("--resume needs --out: the run folder to continue");
                options = ResumeOptions(new RunFolder(outDir), options, parse, runOptions) with { CacheDir = parse.GetValue(cacheDir) };
            }
            else
            {
                var problems = options.Validate();
                if (problems.Count > 0) throw new SearchConfigException(problems);
                outDir ??= Path.Combine("runs", string.Create(Inv, $"eval-{options.Space}-seed{options.Seed}-{DateTime.Now:yyyyMMdd-HHmmss}"));
                OutputPaths.WritableFolder("--out", outDir);
            }
            var result = Run(options, outDir, isResume, cancel);
            Console.WriteLine($"run folder: {Path.GetFullPath(outDir)}");
            Console.WriteLine(string.Create(Inv, $"test accuracy: {result.TestAcc * 100:F2}% after {result.Epochs} epochs ({result.TestImages:N0} test images, {result.Weights:N0} weights)"));
            return Task.FromResult(CliRunner.Ok);
        });
        return command;
    }

    private static string Resolve(ISearchSpace space, string arch)
    {
        try
        {
            return Genotypes.Resolve(space, arch);
        }
        catch (FormatException ex)
        {
            throw new SearchConfigException($"--arch: {ex.Message} (or a name: {string.Join(", ", space.NamedGenotypes.Keys)})");
        }
    }

    /// <summary>
    /// What <c>--dry-run</c> prints: the genotype, the evaluation network's size and the collapse counts of its
    /// cell. The data is not read, so the class count comes from its name (CIFAR-100: 100; synthetic: its
    /// classes; anything else: 10, said so).
    /// </summary>
    public static IEnumerable<string> DryRun(EvalOptions options)
    {
        var space = SearchSpaces.Get(options.Space);
        var genotype = space.Parse(options.Arch);
        var (classes, assumed) =
            options.Data == DataFormats.Synthetic ? (options.SyntheticClasses, false)
            : options.Data == DownloadableDatasets.Cifar100.Name || options.DataFormat == DataFormats.Cifar100 ? (100, false)
            : options.Data == DownloadableDatasets.Cifar10.Name || options.DataFormat == DataFormats.Cifar10 ? (10, false)
            : (10, true);
        TorchRuntime.Configure(options.Threads);
        using var generator = new TorchSharp.torch.Generator((ulong)options.Seed, TorchSharp.torch.CPU);
        using var network = space.BuildNetwork(genotype, options.Channels, options.Cells, classes, options.AuxiliaryWeight > 0, generator);
        yield return $"arch: {genotype.Text}";
        var auxiliary = network.HasAuxiliary ? string.Create(Inv, $" (+{network.AllWeightCount - network.WeightCount:N0} in the auxiliary head, training only)") : "";
        yield return string.Create(Inv,
            $"{space.Name} evaluation network, C={options.Channels} {space.CellsSymbol}={options.Cells}, {classes} classes{(assumed ? " (assumed: a dry run reads no data)" : "")}: {network.WeightCount:N0} weights{auxiliary}");
        yield return string.Create(Inv,
            $"collapse counts: {genotype.SkipConnects} skip_connect and {genotype.ParameterFreeEdges} parameter-free of the {space.CountedEdges} edges {(space.AlphaGroups.Count > 1 ? "of the normal cell" : "of the cell")}");
    }

    private static EvalResult Run(EvalOptions options, string outDir, bool resume, CancellationToken cancel)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            return EvalRunner.Run(options, outDir, resume, new EvalConsoleObserver(null), cancel);
        EvalResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting");
                result = EvalRunner.Run(options, outDir, resume, new EvalConsoleObserver(task), cancel);
            });
        return result!;
    }

    /// <summary>A resumed evaluation keeps its options; an option given again must agree with them (compared as the run folder writes them).</summary>
    private static EvalOptions ResumeOptions(RunFolder folder, EvalOptions given, ParseResult parse, Option[] runOptions)
    {
        if (folder.Checkpoints.Epochs().Count == 0) throw new SearchConfigException($"--resume: no checkpoint in {folder.Checkpoints.Folder}");
        var saved = folder.ReadOptions<EvalOptions>();
        var a = JsonSerializer.SerializeToElement(saved, Json.Options);
        var b = JsonSerializer.SerializeToElement(given, Json.Options);
        var conflicts = new List<string>();
        foreach (var option in runOptions.Where(o => parse.GetResult(o) is { Implicit: false }))
        {
            var property = option.Name.TrimStart('-').Replace('-', '_');
            if (property == "no_augment") property = "augment";
            if (a.TryGetProperty(property, out var was) && b.TryGetProperty(property, out var now) && was.GetRawText() != now.GetRawText())
                conflicts.Add($"--resume: {option.Name} {now} differs from the run's {was} (a resumed run keeps its options)");
        }
        if (conflicts.Count > 0) throw new SearchConfigException(conflicts);
        return saved;
    }
}

/// <summary>An evaluation's console output: a line per epoch, a progress bar on a terminal.</summary>
public sealed class EvalConsoleObserver(ProgressTask? progress) : ConsoleProgress(progress), IEvalObserver
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public void Started(EvalRun run, bool resumed)
    {
        Epochs = run.Options.Epochs;
        var o = run.Options;
        var what = resumed ? $"resuming after epoch {run.EpochsDone}" : "starting";
        WriteLine(string.Create(Inv,
            $"{what}: evaluate {o.Space} seed {o.Seed}, C={o.Channels} {run.Space.CellsSymbol}={o.Cells}, {run.Dataset.Name}{(run.Dataset.FromCache ? " (from cache)" : "")} " +
            $"{run.Dataset.Train.Width}x{run.Dataset.Train.Height}, {run.TrainImages:N0} train / {run.TestImages:N0} test images, {run.StepsPerEpoch} steps/epoch, " +
            $"{run.Network.WeightCount:N0} weights{(run.Network.HasAuxiliary ? $" (+{run.Network.AllWeightCount - run.Network.WeightCount:N0} auxiliary)" : "")}, " +
            $"{TorchSharp.torch.get_num_threads()} threads on {run.Device}"));
        WriteLine($"arch: {o.Arch}");
        if (Progress is not null) Progress.MaxValue = run.StepsPerEpoch;
    }

    public void EpochDone(EvalEpochRecord r)
    {
        WriteLine(string.Create(Inv,
            $"epoch {r.Epoch,3}/{Epochs}  loss {r.TrainLoss:F4}  train {r.TrainAcc * 100:F2}%  test {r.TestAcc * 100:F2}%  lr {r.Lr:F5}" +
            $"{(r.DropPath > 0 ? $"  drop-path {r.DropPath:F3}" : "")}  {r.Seconds:F1}s"));
        if (Progress is not null) Progress.Value = 0;
    }
}
