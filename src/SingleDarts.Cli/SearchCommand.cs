using SingleDarts.Abstractions;
using System.CommandLine;
using System.Globalization;
using SingleDarts.Search;
using SingleDarts.Search.Data;
using SingleDarts.Search.Options;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Relaxations;

namespace SingleDarts.Cli;

/// <summary><c>singledarts search</c>: one search run into a run folder.</summary>
public static class SearchCommand
{
    /// <summary>Every option of a search, declared once.</summary>
    public static OptionTable<SearchOptions> Table()
    {
        var t = new OptionTable<SearchOptions>(SearchOptions.For, SearchSpaces.Names, new SearchOptions().Space);
        t.Space = t.Add("--space", string.Join("; ", SearchSpaces.All.Select(s => $"{s.Name}: {s.Summary}")), o => o.Space, (o, v) => o with { Space = v }, [.. SearchSpaces.Names]);
        t.Add("--method", $"the method: a preset ({string.Join("; ", MethodPresets.All.Select(m => $"{m.Name}: {m.Summary}"))}), or the name of a method composed from --preset",
            o => o.Method, (o, v) => o with { Method = v });
        t.Add("--preset", $"the preset a composed method starts from ({MethodPresets.Known}); its parts are changed by the options below",
            o => o.Preset, (o, v) => o with { Preset = v }, [.. MethodPresets.Names]);
        t.Add("--level", "how w and α get their gradients: single (one pass on one batch), first-order or second-order bi-level; default: the preset's",
            o => o.Composition.Level.ToOption(), (o, v) => o with { Level = Levels.Parse(v) }, [.. Levels.Names]);
        t.Add("--seed", "search seed: weights, α and data order", o => o.Seed, (o, v) => o with { Seed = v });
        t.Add("--epochs", "epochs", o => o.Epochs, (o, v) => o with { Epochs = v });
        t.Add("--batch-size", "images per batch", o => o.BatchSize, (o, v) => o with { BatchSize = v });
        t.Add("--channels", "C, channels of the first stage", o => o.Channels, (o, v) => o with { Channels = v });
        t.Add("--cells", string.Join("; ", SearchSpaces.All.Select(s => $"{s.Name}: {s.CellsMeaning}, at least {s.MinCells}")), o => o.Cells, (o, v) => o with { Cells = v });
        t.Add("--relax", "how α weights the operations: softmax, sigmoid, gumbel (GDAS: one sampled operation per edge) or dirichlet (DrNAS: weights drawn from a Dirichlet); default: the preset's",
            o => o.Composition.Relax.ToOption(), (o, v) => o with { Relax = Enum.Parse<Relaxation>(v, ignoreCase: true) }, [.. Enum.GetValues<Relaxation>().Select(r => r.ToOption())]);
        t.Add("--partial-channels", "PC-DARTS' K: 1/K of each edge's channels go through its operations (1: off; must divide --channels); default: the preset's",
            o => o.Composition.PartialChannels, (o, v) => o with { PartialChannels = v });
        t.Add("--edge-normalization", "PC-DARTS' edge normalisation: a weight β per edge, softmax over the edges into each node; default: the preset's",
            o => o.Composition.EdgeNormalization, (o, v) => o with { EdgeNormalization = v });
        t.Add("--perturbation", "SDARTS-RS: the largest ε of the uniform perturbation of the operation weights in the w step, reached at the last epoch (0: off); default: the preset's",
            o => o.Composition.Perturbation, (o, v) => o with { Perturbation = v });
        t.Add("--auxiliary-skip", "DARTS-: an auxiliary skip connection on every edge, decayed linearly 1 → 0; default: the preset's",
            o => o.Composition.AuxiliarySkip, (o, v) => o with { AuxiliarySkip = v });
        t.Add("--beta-decay", "β-DARTS: the scale λ of the β-decay regulariser, whose weight is λ·epoch/100 as in the reference (0: off); default: the preset's",
            o => o.Composition.BetaDecay, (o, v) => o with { BetaDecay = v });
        t.Add("--tau-max", "the Gumbel relaxation's temperature at the first epoch, annealed linearly to --tau-min", o => o.Composition.TauMax, (o, v) => o with { TauMax = v });
        t.Add("--tau-min", "the Gumbel relaxation's temperature at the last epoch", o => o.Composition.TauMin, (o, v) => o with { TauMin = v });
        t.Add("--dirichlet-kl", "DrNAS: the scale of the KL regulariser of the Dirichlet relaxation (0: plain weight decay of α instead)", o => o.Composition.DirichletKl, (o, v) => o with { DirichletKl = v });
        t.Add("--data", "synthetic; cifar10 or cifar100 (fetched by `singledarts data download`); imagenet16-120 (put in the dataset cache by hand: `singledarts data check imagenet16-120`); " +
                       "or a CIFAR-10/100 binary folder or .tar.gz, ImageNet16's pickled batches, or an image folder ROOT/{train,test}/<class>/ (folder, .tar, .tar.gz)",
            o => o.Data, (o, v) => o with { Data = DownloadableDatasets.IsName(v) ? v : Path.GetFullPath(v) });
        t.Add("--data-format", "auto (from the file names), cifar10, cifar100, imagenet16-120, imagefolder, synthetic", o => o.DataFormat, (o, v) => o with { DataFormat = v }, [.. DataFormats.All]);
        t.Add("--image-size", "resize images to this side (area resampling); none: the dataset's own size (synthetic: 32)", o => o.ImageSize, (o, v) => o with { ImageSize = v });
        t.Add("--train-size", "training images to use: a class-balanced subset drawn with --data-seed (none: all; synthetic: how many to generate, 10000)", o => o.TrainSize, (o, v) => o with { TrainSize = v });
        t.Add("--synthetic-classes", "classes of the synthetic dataset", o => o.SyntheticClasses, (o, v) => o with { SyntheticClasses = v });
        t.Add("--data-seed", "seed of the data: synthetic content, --train-size subset, image-folder order", o => o.DataSeed, (o, v) => o with { DataSeed = v });
        t.Add("--nb201", "the nb201 space's benchmark table, which reports each epoch's cell's true accuracy and rank: builtin (shipped with the program), none, or a CSV " +
                         "index,arch,cifar10_test,cifar100_test,imagenet16_120_test (none given: builtin for the nb201 space on CIFAR-10/100 and ImageNet16-120, else none)",
            o => o.Nb201, (o, v) => o with { Nb201 = v is null || Nb201Source.IsKeyword(v) ? v : Path.GetFullPath(v) });
        t.Add("--nb201-dataset", "the table's dataset that ranks the cell: auto (imagenet16-120 for ImageNet16's batches, cifar100 for 100 classes, else cifar10), cifar10, cifar100, imagenet16-120",
            o => o.Nb201Dataset, (o, v) => o with { Nb201Dataset = v }, ["auto", .. Nb201Table.Datasets]);
        t.Add("--train-portion", "share of the training split searched on; bi-level methods validate on the rest, single reports accuracy on it", o => o.TrainPortion, (o, v) => o with { TrainPortion = v });
        t.Flag("--no-augment", "turn off random crop and flip", o => !o.Augment, o => o with { Augment = false });
        t.Add("--threads", "libtorch threads (results are reproducible for a fixed count)", o => o.Threads, (o, v) => o with { Threads = v });
        t.Add("--hessian-every", "λ_max of the held-out loss's Hessian w.r.t. α (Zela et al.'s collapse diagnostic) every N epochs and at the last; 0: never",
            o => o.HessianEvery, (o, v) => o with { HessianEvery = v });
        t.Add("--hessian-batches", "held-out batches (the same every time) λ_max is taken over", o => o.HessianBatches, (o, v) => o with { HessianBatches = v });
        t.Flag("--darts-es", "DARTS-ES: stop when the mean λ_max over 5 epochs has grown by more than 1/0.75 since 5 epochs before (from epoch 10 on) and keep that earlier cell (needs --hessian-every)",
            o => o.DartsEs is not null, o => o with { DartsEs = new DartsEarlyStop() });
        t.Add("--device", "cpu or cuda", o => o.Device, (o, v) => o with { Device = v }, [.. SearchOptions.Devices]);
        t.Add("--lr", "initial learning rate of w (cosine-annealed)", o => o.Optimizer.Lr, (o, v) => o with { Optimizer = o.Optimizer with { Lr = v } });
        t.Add("--lr-min", "final learning rate of w", o => o.Optimizer.LrMin, (o, v) => o with { Optimizer = o.Optimizer with { LrMin = v } });
        t.Add("--momentum", "SGD momentum of w", o => o.Optimizer.Momentum, (o, v) => o with { Optimizer = o.Optimizer with { Momentum = v } });
        t.Add("--weight-decay", "weight decay of w (AutoDL's NB201 configs use 5e-4)", o => o.Optimizer.WeightDecay, (o, v) => o with { Optimizer = o.Optimizer with { WeightDecay = v } });
        t.Add("--grad-clip", "gradient-norm clip of w (0: off)", o => o.Optimizer.GradClip, (o, v) => o with { Optimizer = o.Optimizer with { GradClip = v } });
        t.Add("--arch-lr", "Adam learning rate of α", o => o.Optimizer.ArchLr, (o, v) => o with { Optimizer = o.Optimizer with { ArchLr = v } });
        t.Add("--arch-beta1", "Adam β1 of α", o => o.Optimizer.ArchBeta1, (o, v) => o with { Optimizer = o.Optimizer with { ArchBeta1 = v } });
        t.Add("--arch-beta2", "Adam β2 of α", o => o.Optimizer.ArchBeta2, (o, v) => o with { Optimizer = o.Optimizer with { ArchBeta2 = v } });
        t.Add("--arch-weight-decay", "weight decay of α", o => o.Optimizer.ArchWeightDecay, (o, v) => o with { Optimizer = o.Optimizer with { ArchWeightDecay = v } });
        return t;
    }

    public static Command Create()
    {
        var table = Table();
        var cacheDir = new Option<string?>("--cache-dir") { Description = "the dataset cache: decoded datasets, and the downloaded ones --data cifar10|cifar100 reads (default $SINGLEDARTS_CACHE, else $XDG_CACHE_HOME/singledarts, else ~/.cache/singledarts)" };
        var output = new Option<string?>("--out", "-o") { Description = "run folder (default: runs/<space>-<method>-seed<seed>-<time>)" };
        var resume = new Option<bool>("--resume") { Description = "continue the run in --out from its checkpoint" };
        var command = new Command("search", "Run one architecture search; writes config.json, epochs.jsonl, result.json and a checkpoint per epoch.");
        foreach (var o in table.Options) command.Options.Add(o);
        command.Options.Add(output);
        command.Options.Add(resume);
        command.Options.Add(cacheDir);
        var settings = new RunSettings();
        settings.AddTo(command);

        // on a thread of its own, so that the action's task exists while it runs: System.CommandLine registers its SIGINT/SIGTERM
        // handler (cancel, then wait up to ProcessTerminationTimeout) only once the action has returned its task
        command.SetAction((parse, cancel) => Task.Run(() =>
        {
            var options = table.Build(parse);
            var policy = settings.Policy(parse);
            var isResume = parse.GetValue(resume);
            var outDir = parse.GetValue(output);
            string? created = null;
            if (isResume)
            {
                if (outDir is null) throw new SearchConfigException("--resume needs --out: the run folder to continue");
                var folder = new RunFolder(outDir);
                var saved = folder.ReadOptions<SearchOptions>(Search.Measurement.RunKinds.Search);
                if (folder.Checkpoints.Epochs().Count == 0) throw new SearchConfigException($"--resume: no checkpoint in {folder.Checkpoints.Folder}");
                var conflicts = table.Conflicts(saved, options, parse);
                if (conflicts.Count > 0) throw new SearchConfigException(conflicts);
                options = saved;
            }
            else
            {
                var problems = options.Validate();
                if (problems.Count > 0) throw new SearchConfigException(problems);
                outDir ??= Path.Combine("runs", string.Create(CultureInfo.InvariantCulture,
                    $"{options.Space}-{options.Method}-seed{options.Seed}-{DateTime.Now:yyyyMMdd-HHmmss}"));
                created = OutputPaths.FirstMissing(outDir);
                OutputPaths.RemoveCreatedOnFailure(created, () => { OutputPaths.WritableFolder("--out", outDir); return 0; });
            }
            RunSettings.WarnAboutThreads(options.Threads);
            // a run that fails before its first checkpoint leaves nothing to continue: the folder it made goes with it
            var runFolder = new RunFolder(outDir);
            return OutputPaths.RemoveCreatedOnFailure(created, () =>
            {
                using var run = new SearchRun(options with { CacheDir = parse.GetValue(cacheDir) });
                RunConsole.Run(run, runFolder, isResume, policy, cancel, StartLine(run));
                Console.WriteLine($"run folder: {Path.GetFullPath(outDir)}");
                Console.WriteLine($"arch: {run.Result().Arch}");
                return Task.FromResult(CliRunner.Ok);
            }, () => runFolder.Checkpoints.Epochs().Count > 0);
        }, CancellationToken.None));
        return command;
    }

    private static Func<bool, string> StartLine(SearchRun run) => resumed =>
    {
        var o = run.Options;
        var what = resumed ? $"resuming after epoch {run.EpochsDone}" : "starting";
        return $"{what}: {o.Space} {o.Method} seed {o.Seed}, C={o.Channels} {run.Space.CellsSymbol}={o.Cells}, {run.Dataset.Name}{(run.Dataset.FromCache ? " (decoded earlier, from cache)" : "")} " +
               $"{run.Dataset.Train.Width}x{run.Dataset.Train.Height}, " +
               $"{run.SearchImages} search / {run.HeldOutImages} held-out images ({run.ValidSource}), {run.StepsPerEpoch} steps/epoch, " +
               $"{run.Model.WeightCount:N0} weights, {TorchSharp.torch.get_num_threads()} threads on {run.Device}" +
               (o.IsSynthetic ? Environment.NewLine + SyntheticData.Line : "");
    };
}
