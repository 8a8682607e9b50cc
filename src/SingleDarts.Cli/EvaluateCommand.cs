using System.CommandLine;
using System.Globalization;
using SingleDarts.Search;
using SingleDarts.Search.Data;
using SingleDarts.Search.Measurement;
using SingleDarts.Search.Options;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Cli;

/// <summary><c>singledarts evaluate</c>: trains a genotype's evaluation network from scratch into a run folder.</summary>
public static class EvaluateCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Every option of an evaluation, declared once (defaults: the space's protocol).</summary>
    public static OptionTable<EvalOptions> Table()
    {
        var t = new OptionTable<EvalOptions>(EvalOptions.For, SearchSpaces.Names, new EvalOptions().Space);
        t.Space = t.Add("--space", "search space of the genotype", o => o.Space, (o, v) => o with { Space = v }, [.. SearchSpaces.Names]);
        t.Add("--arch", "the genotype: the space's text (as search prints it) or a published name (" +
                        string.Join("; ", SearchSpaces.All.Select(s => $"{s.Name}: {string.Join(", ", s.NamedGenotypes.Keys)}")) + ")",
            o => o.Arch, (o, v) => o with { Arch = SearchSpaces.TryGet(o.Space, out var s) ? Resolve(s, v) : v });
        t.Add("--seed", "seed of the weights, data order, augmentation and drop-path", o => o.Seed, (o, v) => o with { Seed = v });
        t.Add("--epochs", "epochs", o => o.Epochs, (o, v) => o with { Epochs = v });
        t.Add("--batch-size", "images per batch", o => o.BatchSize, (o, v) => o with { BatchSize = v });
        t.Add("--channels", "C, channels of the first stage", o => o.Channels, (o, v) => o with { Channels = v });
        t.Add("--cells", "nb201: N, cells per stage; darts: L, cells in all", o => o.Cells, (o, v) => o with { Cells = v });
        t.Add("--lr", "initial learning rate (cosine-annealed per step)", o => o.Lr, (o, v) => o with { Lr = v });
        t.Add("--lr-min", "final learning rate", o => o.LrMin, (o, v) => o with { LrMin = v });
        t.Add("--momentum", "SGD momentum", o => o.Momentum, (o, v) => o with { Momentum = v });
        t.Add("--nesterov", "Nesterov momentum (true/false)", o => o.Nesterov, (o, v) => o with { Nesterov = v });
        t.Add("--weight-decay", "weight decay", o => o.WeightDecay, (o, v) => o with { WeightDecay = v });
        t.Add("--grad-clip", "gradient-norm clip (0: off)", o => o.GradClip, (o, v) => o with { GradClip = v });
        t.Add("--auxiliary-weight", "weight of the auxiliary head's loss (0: no head; darts only, images of 32 px or more)", o => o.AuxiliaryWeight, (o, v) => o with { AuxiliaryWeight = v });
        t.Add("--drop-path", "drop-path probability reached at the last epoch (darts only)", o => o.DropPath, (o, v) => o with { DropPath = v });
        t.Add("--cutout", "side of the cutout square (0: off)", o => o.Cutout, (o, v) => o with { Cutout = v });
        t.Flag("--no-augment", "turn off random crop and flip", o => !o.Augment, o => o with { Augment = false });
        t.Add("--data", "synthetic; cifar10 or cifar100 (fetched by `singledarts data download`); imagenet16-120 (put in the dataset cache by hand: `singledarts data check imagenet16-120`); " +
                       "or a CIFAR-10/100 binary folder or .tar.gz, ImageNet16's pickled batches, or an image folder ROOT/{train,test}/<class>/ (it needs the test split)",
            o => o.Data, (o, v) => o with { Data = DownloadableDatasets.IsName(v) ? v : Path.GetFullPath(v) });
        t.Add("--data-format", "auto, cifar10, cifar100, imagenet16-120, imagefolder, synthetic", o => o.DataFormat, (o, v) => o with { DataFormat = v }, [.. DataFormats.All]);
        t.Add("--image-size", "resize images to this side; none: the dataset's own (synthetic: 32)", o => o.ImageSize, (o, v) => o with { ImageSize = v });
        t.Add("--train-size", "training images: a class-balanced subset drawn with --data-seed (none: the whole training split)", o => o.TrainSize, (o, v) => o with { TrainSize = v });
        t.Add("--test-size", "test images: a class-balanced subset drawn with --data-seed (none: the whole test split)", o => o.TestSize, (o, v) => o with { TestSize = v });
        t.Add("--synthetic-classes", "classes of the synthetic dataset", o => o.SyntheticClasses, (o, v) => o with { SyntheticClasses = v });
        t.Add("--data-seed", "seed of the data: synthetic content, --train-size/--test-size subsets", o => o.DataSeed, (o, v) => o with { DataSeed = v });
        t.Add("--threads", "libtorch threads (results are reproducible for a fixed count)", o => o.Threads, (o, v) => o with { Threads = v });
        t.Add("--device", "cpu or cuda", o => o.Device, (o, v) => o with { Device = v }, [.. SearchOptions.Devices]);
        t.Add("--init-from", "a PyTorch state_dict file (.pt, the reference network's names, as evaluate writes them) to start from instead of the seeded initialisation: fine-tuning or re-testing",
            o => o.InitFrom, (o, v) => o with { InitFrom = Path.GetFullPath(v!) });
        return t;
    }

    public static Command Create()
    {
        var table = Table();
        var cacheDir = new Option<string?>("--cache-dir") { Description = "the dataset cache: decoded datasets, and the downloaded ones --data cifar10|cifar100 reads (default $SINGLEDARTS_CACHE, else $XDG_CACHE_HOME/singledarts, else ~/.cache/singledarts)" };
        var output = new Option<string?>("--out", "-o") { Description = "run folder (default: runs/eval-<space>-seed<seed>-<time>)" };
        var resume = new Option<bool>("--resume") { Description = "continue the evaluation in --out from its checkpoint" };
        var dryRun = new Option<bool>("--dry-run") { Description = "build the evaluation network and print its genotype, weight count and collapse counts, then exit: no data is read, nothing is written" };
        var command = new Command("evaluate", "Train a genotype's evaluation network from scratch and report its test accuracy; writes config.json, epochs.jsonl, result.json and a checkpoint per epoch.");
        foreach (var o in table.Options) command.Options.Add(o);
        command.Options.Add(output);
        command.Options.Add(resume);
        command.Options.Add(cacheDir);
        var settings = new RunSettings();
        settings.AddTo(command);
        command.Options.Add(dryRun);
        command.Subcommands.Add(ExportCommand.Create());

        // on a thread of its own, so that the action's task exists while it runs: System.CommandLine registers its SIGINT/SIGTERM
        // handler (cancel, then wait up to ProcessTerminationTimeout) only once the action has returned its task
        command.SetAction((parse, cancel) => Task.Run(() =>
        {
            var options = table.Build(parse);
            var policy = settings.Policy(parse);
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
            if (options.Epochs == 0 && !isResume)
            {
                var problems = options.Validate();
                if (problems.Count > 0) throw new SearchConfigException(problems);
                return Task.FromResult(Retest(options with { CacheDir = parse.GetValue(cacheDir) }));
            }
            string? created = null;
            if (isResume)
            {
                if (outDir is null) throw new SearchConfigException("--resume needs --out: the run folder to continue");
                var folder = new RunFolder(outDir);
                var saved = folder.ReadOptions<EvalOptions>(RunKinds.Evaluation);
                if (folder.Checkpoints.Epochs().Count == 0) throw new SearchConfigException($"--resume: no checkpoint in {folder.Checkpoints.Folder}");
                var conflicts = table.Conflicts(saved, options, parse);
                if (conflicts.Count > 0) throw new SearchConfigException(conflicts);
                options = saved;
            }
            else
            {
                var problems = options.Validate();
                if (problems.Count > 0) throw new SearchConfigException(problems);
                outDir ??= Path.Combine("runs", string.Create(Inv, $"eval-{options.Space}-seed{options.Seed}-{DateTime.Now:yyyyMMdd-HHmmss}"));
                created = OutputPaths.FirstMissing(outDir);
                OutputPaths.RemoveCreatedOnFailure(created, () => { OutputPaths.WritableFolder("--out", outDir); return 0; });
            }
            RunSettings.WarnAboutThreads(options.Threads);
            // a run that fails before its first checkpoint leaves nothing to continue: the folder it made goes with it
            var runFolder = new RunFolder(outDir);
            return OutputPaths.RemoveCreatedOnFailure(created, () =>
            {
                using var run = new EvalRun(options with { CacheDir = parse.GetValue(cacheDir) });
                RunConsole.Run(run, runFolder, isResume, policy, cancel, resumed => StartLine(run, resumed));
                var result = run.Result();
                Console.WriteLine($"run folder: {Path.GetFullPath(outDir)}");
                ExportCommand.Report(EvalExport.Write(run, Path.Combine(outDir, EvalExport.FileName)));
                Console.WriteLine(string.Create(Inv, $"test accuracy: {result.TestAcc * 100:F2}% after {result.Epochs} epochs ({result.TestImages:N0} test images, {result.Weights:N0} weights)"));
                return Task.FromResult(CliRunner.Ok);
            }, () => runFolder.Checkpoints.Epochs().Count > 0);
        }, CancellationToken.None));
        return command;
    }

    /// <summary><c>--init-from FILE --epochs 0</c>: the loaded network's test accuracy, nothing trained and nothing written.</summary>
    private static int Retest(EvalOptions options)
    {
        using var run = new EvalRun(options);
        var (accuracy, loss) = run.Test();
        Console.WriteLine($"arch: {options.Arch}");
        Console.WriteLine(string.Create(Inv, $"test accuracy: {accuracy * 100:F2}% (loss {loss:F4}) of {options.InitFrom} as loaded, no training ({run.TestImages:N0} test images, {run.Network.WeightCount:N0} weights)"));
        return CliRunner.Ok;
    }

    private static string StartLine(EvalRun run, bool resumed)
    {
        var o = run.Options;
        var what = resumed ? $"resuming after epoch {run.EpochsDone}" : "starting";
        return string.Create(Inv,
            $"{what}: evaluate {o.Space} seed {o.Seed}, C={o.Channels} {run.Space.CellsSymbol}={o.Cells}, {run.Dataset.Name}{(run.Dataset.FromCache ? " (from cache)" : "")} " +
            $"{run.Dataset.Train.Width}x{run.Dataset.Train.Height}, {run.TrainImages:N0} train / {run.TestImages:N0} test images, {run.StepsPerEpoch} steps/epoch, " +
            $"{run.Network.WeightCount:N0} weights{(run.Network.HasAuxiliary ? $" (+{run.Network.AllWeightCount - run.Network.WeightCount:N0} auxiliary)" : "")}, " +
            $"{TorchSharp.torch.get_num_threads()} threads on {run.Device}") + Environment.NewLine + $"arch: {o.Arch}";
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
    /// cell. The data is not read, so the class count comes from its name (CIFAR-100: 100; ImageNet16-120: 120;
    /// synthetic: its classes; anything else: 10, said so).
    /// </summary>
    public static IEnumerable<string> DryRun(EvalOptions options)
    {
        var space = SearchSpaces.Get(options.Space);
        var genotype = space.Parse(options.Arch);
        var (classes, assumed) =
            options.Data == DataFormats.Synthetic ? (options.SyntheticClasses, false)
            : options.Data == DownloadableDatasets.Cifar100.Name || options.DataFormat == DataFormats.Cifar100 ? (100, false)
            : options.Data == DownloadableDatasets.ImageNet16_120.Name || options.DataFormat == DataFormats.ImageNet16 ? (ImageNet16.Classes, false)
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
}
