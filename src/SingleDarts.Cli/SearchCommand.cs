using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using SingleDarts.Search.Benchmarks;
using SingleDarts.Search.Data;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Strategies;
using Spectre.Console;

namespace SingleDarts.Cli;

/// <summary><c>singledarts search</c>: one search run into a run folder.</summary>
public static class SearchCommand
{
    private static readonly SearchOptions Defaults = new();
    private static readonly OptimizerSettings OptimDefaults = new();

    private static Option<T> Opt<T>(string name, string description, T defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    public static Command Create()
    {
        var space = Opt("--space", string.Join("; ", SearchSpaces.All.Select(s => $"{s.Name}: {s.Summary}")), Defaults.Space)
            .AcceptOnlyFromAmong([.. SearchSpaces.Names]);
        var method = Opt("--method", string.Join("; ", SearchStrategies.All.Select(m => $"{m.Name}: {m.Summary}")), Defaults.Method)
            .AcceptOnlyFromAmong([.. SearchStrategies.Names]);
        var seed = Opt("--seed", "search seed: weights, α and data order", Defaults.Seed);
        var epochs = Opt("--epochs", "epochs", Defaults.Epochs);
        var batch = Opt("--batch-size", "images per batch", Defaults.BatchSize);
        var channels = Opt("--channels", "C, channels of the first stage", Defaults.Channels);
        var cells = new Option<int?>("--cells")
        {
            Description = string.Join("; ", SearchSpaces.All.Select(s => $"{s.Name}: {s.CellsMeaning} (default {s.DefaultCells}, at least {s.MinCells})")),
        };
        var relax = Opt("--relax", "how α weights the operations: softmax or sigmoid", Defaults.Relax.ToOption())
            .AcceptOnlyFromAmong("softmax", "sigmoid");
        var data = Opt("--data", "synthetic; cifar10 or cifar100 (fetched by `singledarts data download`); or a CIFAR-10/100 binary folder or .tar.gz, or an image folder ROOT/{train,test}/<class>/ (folder, .tar, .tar.gz)", Defaults.Data);
        var dataFormat = Opt("--data-format", "auto (from the file names), cifar10, cifar100, imagefolder, synthetic", Defaults.DataFormat)
            .AcceptOnlyFromAmong([.. DataFormats.All]);
        var imageSize = new Option<int?>("--image-size") { Description = "resize images to this side (area resampling); default: the dataset's own size (synthetic: 32)" };
        var trainSize = new Option<int?>("--train-size") { Description = "training images to use: a class-balanced subset drawn with --data-seed (synthetic: how many to generate; default 10000)" };
        var nb201 = new Option<string?>("--nb201")
        {
            Description = "NAS-Bench-201 table that reports each epoch's cell's true accuracy and rank: builtin (shipped with the program), none, or a CSV " +
                          "index,arch,cifar10_test,cifar100_test,imagenet16_120_test (default: builtin for the nb201 space on CIFAR-10/100, else none)",
        };
        var nb201Dataset = Opt("--nb201-dataset", "the table's dataset that ranks the cell: auto (cifar100 for 100 classes, else cifar10), cifar10, cifar100, imagenet16-120", Defaults.Nb201Dataset)
            .AcceptOnlyFromAmong(["auto", .. Nb201Table.Datasets]);
        var cacheDir = new Option<string?>("--cache-dir") { Description = "the dataset cache: decoded datasets, and the downloaded ones --data cifar10|cifar100 reads (default $SINGLEDARTS_CACHE, else $XDG_CACHE_HOME/singledarts, else ~/.cache/singledarts)" };
        var classes = Opt("--synthetic-classes", "classes of the synthetic dataset", Defaults.SyntheticClasses);
        var dataSeed = Opt("--data-seed", "seed of the data: synthetic content, --train-size subset, image-folder order", Defaults.DataSeed);
        var portion = Opt("--train-portion", "share of the training split searched on; bi-level methods validate on the rest, single reports accuracy on it", Defaults.TrainPortion);
        var noAugment = Opt("--no-augment", "turn off random crop and flip", false);
        var threads = Opt("--threads", "libtorch threads (results are reproducible for a fixed count)", Defaults.Threads);
        var device = Opt("--device", "cpu or cuda", Defaults.Device).AcceptOnlyFromAmong([.. SearchOptions.Devices]);
        var lr = Opt("--lr", "initial learning rate of w (cosine-annealed)", OptimDefaults.Lr);
        var lrMin = Opt("--lr-min", "final learning rate of w", OptimDefaults.LrMin);
        var momentum = Opt("--momentum", "SGD momentum of w", OptimDefaults.Momentum);
        var wd = Opt("--weight-decay", "weight decay of w (AutoDL's NB201 configs use 5e-4)", OptimDefaults.WeightDecay);
        var clip = Opt("--grad-clip", "gradient-norm clip of w (0: off)", OptimDefaults.GradClip);
        var archLr = Opt("--arch-lr", "Adam learning rate of α", OptimDefaults.ArchLr);
        var beta1 = Opt("--arch-beta1", "Adam β1 of α", OptimDefaults.ArchBeta1);
        var beta2 = Opt("--arch-beta2", "Adam β2 of α", OptimDefaults.ArchBeta2);
        var archWd = Opt("--arch-weight-decay", "weight decay of α", OptimDefaults.ArchWeightDecay);
        var output = new Option<string?>("--out", "-o") { Description = "run folder (default: runs/<space>-<method>-seed<seed>-<time>)" };
        var resume = Opt("--resume", "continue the run in --out from its checkpoint", false);

        Option[] searchOptions =
        [
            space, method, seed, epochs, batch, channels, cells, relax, data, dataFormat, imageSize, trainSize, classes, dataSeed,
            nb201, nb201Dataset, portion, noAugment, threads, device, lr, lrMin, momentum, wd, clip, archLr, beta1, beta2, archWd,
        ];
        var command = new Command("search", "Run one architecture search; writes config.json, epochs.jsonl, result.json and a checkpoint per epoch.");
        foreach (var o in searchOptions) command.Options.Add(o);
        command.Options.Add(output);
        command.Options.Add(resume);
        command.Options.Add(cacheDir);

        command.SetAction((parse, cancel) =>
        {
            var options = new SearchOptions
            {
                Space = parse.GetValue(space)!,
                Method = parse.GetValue(method)!,
                Seed = parse.GetValue(seed),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                Channels = parse.GetValue(channels),
                Cells = parse.GetValue(cells) ?? (SearchSpaces.TryGet(parse.GetValue(space), out var chosen) ? chosen.DefaultCells : Defaults.Cells),
                Relax = Enum.Parse<Relaxation>(parse.GetValue(relax)!, ignoreCase: true),
                Data = FullPath(parse.GetValue(data)!),
                DataFormat = parse.GetValue(dataFormat)!,
                ImageSize = parse.GetValue(imageSize),
                Nb201 = parse.GetValue(nb201) is { } table ? (Nb201Source.IsKeyword(table) ? table : Path.GetFullPath(table)) : null,
                Nb201Dataset = parse.GetValue(nb201Dataset)!,
                TrainSize = parse.GetValue(trainSize),
                SyntheticClasses = parse.GetValue(classes),
                DataSeed = parse.GetValue(dataSeed),
                TrainPortion = parse.GetValue(portion),
                Augment = !parse.GetValue(noAugment),
                Threads = parse.GetValue(threads),
                Device = parse.GetValue(device)!,
                Optimizer = new OptimizerSettings
                {
                    Lr = parse.GetValue(lr),
                    LrMin = parse.GetValue(lrMin),
                    Momentum = parse.GetValue(momentum),
                    WeightDecay = parse.GetValue(wd),
                    GradClip = parse.GetValue(clip),
                    ArchLr = parse.GetValue(archLr),
                    ArchBeta1 = parse.GetValue(beta1),
                    ArchBeta2 = parse.GetValue(beta2),
                    ArchWeightDecay = parse.GetValue(archWd),
                },
            };
            var isResume = parse.GetValue(resume);
            var outDir = parse.GetValue(output);
            if (isResume)
            {
                if (outDir is null) throw new SearchConfigException("--resume needs --out: the run folder to continue");
                options = ResumeOptions(new RunFolder(outDir), options, parse, searchOptions) with { CacheDir = parse.GetValue(cacheDir) };
            }
            else
            {
                options = options with { CacheDir = parse.GetValue(cacheDir) };
                var problems = options.Validate();
                if (problems.Count > 0) throw new SearchConfigException(problems);
                outDir ??= Path.Combine("runs", string.Create(CultureInfo.InvariantCulture,
                    $"{options.Space}-{options.Method}-seed{options.Seed}-{DateTime.Now:yyyyMMdd-HHmmss}"));
                OutputPaths.WritableFolder("--out", outDir);
            }
            var result = Run(options, outDir, isResume, cancel);
            Console.WriteLine($"run folder: {Path.GetFullPath(outDir)}");
            Console.WriteLine($"arch: {result.Arch}");
            return Task.FromResult(CliRunner.Ok);
        });
        return command;
    }

    private static SearchResult Run(SearchOptions options, string outDir, bool resume, CancellationToken cancel)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            return SearchRunner.Run(options, outDir, resume, new ConsoleObserver(null), cancel);
        SearchResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting");
                result = SearchRunner.Run(options, outDir, resume, new ConsoleObserver(task), cancel);
            });
        return result!;
    }

    private static string FullPath(string data) => DownloadableDatasets.IsName(data) ? data : Path.GetFullPath(data);

    /// <summary>
    /// A resumed run keeps the options it was started with; options given again on the command
    /// line must agree with them.
    /// </summary>
    private static SearchOptions ResumeOptions(RunFolder folder, SearchOptions given, ParseResult parse, Option[] searchOptions)
    {
        if (folder.Checkpoints.Epochs().Count == 0) throw new SearchConfigException($"--resume: no checkpoint in {folder.Checkpoints.Folder}");
        var saved = folder.ReadOptions();
        var explicitOptions = searchOptions.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToHashSet();
        var conflicts = new List<string>();
        void Check<T>(string name, T savedValue, T givenValue)
        {
            if (explicitOptions.Contains(name) && !EqualityComparer<T>.Default.Equals(savedValue, givenValue))
                conflicts.Add($"{name} {givenValue} differs from the run's {savedValue}");
        }
        Check("--space", saved.Space, given.Space);
        Check("--method", saved.Method, given.Method);
        Check("--seed", saved.Seed, given.Seed);
        Check("--epochs", saved.Epochs, given.Epochs);
        Check("--batch-size", saved.BatchSize, given.BatchSize);
        Check("--channels", saved.Channels, given.Channels);
        Check("--cells", saved.Cells, given.Cells);
        Check("--relax", saved.Relax, given.Relax);
        Check("--data", saved.Data, given.Data);
        Check("--data-format", saved.DataFormat, given.DataFormat);
        Check("--image-size", saved.ImageSize, given.ImageSize);
        Check("--nb201", saved.Nb201, given.Nb201);
        Check("--nb201-dataset", saved.Nb201Dataset, given.Nb201Dataset);
        Check("--train-size", saved.TrainSize, given.TrainSize);
        Check("--synthetic-classes", saved.SyntheticClasses, given.SyntheticClasses);
        Check("--data-seed", saved.DataSeed, given.DataSeed);
        Check("--train-portion", saved.TrainPortion, given.TrainPortion);
        Check("--no-augment", !saved.Augment, !given.Augment);
        Check("--threads", saved.Threads, given.Threads);
        Check("--device", saved.Device, given.Device);
        Check("--lr", saved.Optimizer.Lr, given.Optimizer.Lr);
        Check("--lr-min", saved.Optimizer.LrMin, given.Optimizer.LrMin);
        Check("--momentum", saved.Optimizer.Momentum, given.Optimizer.Momentum);
        Check("--weight-decay", saved.Optimizer.WeightDecay, given.Optimizer.WeightDecay);
        Check("--grad-clip", saved.Optimizer.GradClip, given.Optimizer.GradClip);
        Check("--arch-lr", saved.Optimizer.ArchLr, given.Optimizer.ArchLr);
        Check("--arch-beta1", saved.Optimizer.ArchBeta1, given.Optimizer.ArchBeta1);
        Check("--arch-beta2", saved.Optimizer.ArchBeta2, given.Optimizer.ArchBeta2);
        Check("--arch-weight-decay", saved.Optimizer.ArchWeightDecay, given.Optimizer.ArchWeightDecay);
        if (conflicts.Count > 0)
            throw new SearchConfigException(conflicts.Select(c => $"--resume: {c} (a resumed run keeps its options)").ToList());
        return saved;
    }
}
