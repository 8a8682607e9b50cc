using System.Text.Json.Serialization;
using SingleDarts.Search.Data;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Relaxations;
using SingleDarts.Search.Strategies;

namespace SingleDarts.Search.Options;

/// <summary>
/// Everything that defines a search run. Defaults are the NAS-Bench-201 protocol (docs/design.md, "Protocols").
/// Same options + same thread count ⇒ the same α and genotype, bit for bit, on CPU.
/// </summary>
public sealed record SearchOptions
{
    public static readonly IReadOnlyList<string> Devices = ["cpu", "cuda"];

    public string Space { get; init; } = "nb201";

    /// <summary>Options with the defaults of <paramref name="space"/> (its C and cells).</summary>
    public static SearchOptions For(string space) => SearchSpaces.TryGet(space, out var s)
        ? new SearchOptions { Space = space, Channels = s.DefaultChannels, Cells = s.DefaultCells }
        : new SearchOptions { Space = space };
    /// <summary>The method's name: a preset (<see cref="MethodPresets"/>), or any name for a method composed from <see cref="Preset"/>.</summary>
    public string Method { get; init; } = "single";

    /// <summary>The preset a composed method starts from; null: <see cref="Method"/> is itself a preset.</summary>
    public string? Preset { get; init; }

    /// <summary>The composition's parts; each null takes the preset's value (see <see cref="MethodComposition"/>).</summary>
    public Level? Level { get; init; }
    public long Seed { get; init; }
    public int Epochs { get; init; } = 50;

    /// <summary>The most epochs a run may ask for: far beyond any protocol, short of a typo's billion.</summary>
    public const int MaxEpochs = 10_000;
    public int BatchSize { get; init; } = 64;
    public int Channels { get; init; } = 16;
    public int Cells { get; init; } = 5;
    public Relaxation? Relax { get; init; }
    public int? PartialChannels { get; init; }
    public bool? EdgeNormalization { get; init; }
    public double? Perturbation { get; init; }
    public bool? AuxiliarySkip { get; init; }
    public double? BetaDecay { get; init; }
    public double? TauMax { get; init; }
    public double? TauMin { get; init; }
    public double? DirichletKl { get; init; }

    /// <summary>"synthetic", "cifar10" or "cifar100" (downloaded with <c>data download</c>), or the path of a CIFAR-10/100 binary folder or archive, or of an image folder or archive.</summary>
    public string Data { get; init; } = DataFormats.Synthetic;

    /// <summary>auto (detected from the file names), cifar10, cifar100, imagefolder or synthetic.</summary>
    public string DataFormat { get; init; } = DataFormats.Auto;

    /// <summary>Image side; null keeps the dataset's own size (synthetic: 32).</summary>
    public int? ImageSize { get; init; }

    /// <summary>Training images to use (null: the whole training split; synthetic: 10,000).</summary>
    public int? TrainSize { get; init; }
    public int SyntheticClasses { get; init; } = 10;

    /// <summary>Seed of the data itself — synthetic content, the --train-size subset, image-folder order — the same for every search seed.</summary>
    public long DataSeed { get; init; }

    /// <summary>
    /// NAS-Bench-201 ground-truth table: "builtin", "none" or a CSV path; null: the built-in table for an
    /// nb201 search on CIFAR-10/100, else none (<see cref="Nb201Source"/>). With a table, every
    /// epoch reports the current cell's true accuracy and rank.
    /// </summary>
    public string? Nb201 { get; init; }

    /// <summary>Which of the table's datasets ranks the cell: auto (cifar100 for 100 classes, else cifar10), cifar10, cifar100, imagenet16-120.</summary>
    public string Nb201Dataset { get; init; } = "auto";

    /// <summary>Where decoded datasets are cached (not part of a run's identity).</summary>
    [JsonIgnore]
    public string? CacheDir { get; init; }

    /// <summary>Share of the training split searched on; bi-level methods validate α on the rest.</summary>
    public double TrainPortion { get; init; } = 0.5;

    /// <summary>Random crop (pad 4) and horizontal flip on training batches.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>libtorch threads, 1..<see cref="ThreadCount.Max"/>; default: the machine's cores (a sweep's seed: its worker's share of them).</summary>
    public int Threads { get; init; } = ThreadCount.Default;

    /// <summary>λ_max of the held-out loss's Hessian w.r.t. α every this many epochs and at the last (0: never); see <see cref="Measurement.HessianSharpness"/>.</summary>
    public int HessianEvery { get; init; } = Measurement.HessianSharpness.DefaultEvery;

    /// <summary>Held-out batches (the same ones every time) whose mean loss λ_max is taken of.</summary>
    public int HessianBatches { get; init; } = 1;

    /// <summary>DARTS-ES: stop when λ_max has grown fast and return the cell from before the growth; null: off.</summary>
    public DartsEarlyStop? DartsEs { get; init; }
    public string Device { get; init; } = "cpu";

    public OptimizerSettings Optimizer { get; init; } = new();

    /// <summary>The method as it runs: its preset's composition with every part these options set written in.</summary>
    [JsonIgnore]
    public MethodComposition Composition
    {
        get
        {
            var c = MethodPresets.TryGet(Preset ?? Method, out var preset) ? preset.Composition : new MethodComposition();
            return c with
            {
                Level = Level ?? c.Level,
                Relax = Relax ?? c.Relax,
                PartialChannels = PartialChannels ?? c.PartialChannels,
                EdgeNormalization = EdgeNormalization ?? c.EdgeNormalization,
                Perturbation = Perturbation ?? c.Perturbation,
                AuxiliarySkip = AuxiliarySkip ?? c.AuxiliarySkip,
                BetaDecay = BetaDecay ?? c.BetaDecay,
                TauMax = TauMax ?? c.TauMax,
                TauMin = TauMin ?? c.TauMin,
                DirichletKl = DirichletKl ?? c.DirichletKl,
            };
        }
    }

    [JsonIgnore]
    public bool IsBiLevel => Composition.IsBiLevel;

    [JsonIgnore]
    public bool IsSynthetic => Data == DataFormats.Synthetic;

    /// <summary>Every problem with these options, each as one sentence naming the option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok) errors.Add(message);
        }
        Check(SearchSpaces.TryGet(Space, out _), $"--space: unknown search space '{Space}' (known: {string.Join(", ", SearchSpaces.Names)})");
        if (Preset is null)
            Check(MethodPresets.TryGet(Method, out _), $"--method: unknown method '{Method}' (known: {MethodPresets.Known}; a composed method names its --preset)");
        else
        {
            Check(MethodPresets.TryGet(Preset, out _), $"--preset: unknown preset '{Preset}' (known: {MethodPresets.Known})");
            Check(Method.Length is > 0 and <= 40 && Method.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'),
                $"--method: a composed method's name is letters, digits, '-', '_' and '.' (at most 40), got '{Method}'");
        }
        errors.AddRange(Composition.Problems());
        Check(Composition.PartialChannels <= 1 || Channels % Composition.PartialChannels == 0,
            $"--partial-channels {Composition.PartialChannels} must divide --channels {Channels}");
        Check(Devices.Contains(Device), $"--device: unknown device '{Device}' (known: {string.Join(", ", Devices)})");
        Check(Epochs > 0, $"--epochs must be positive, got {Epochs}");
        Check(Epochs <= MaxEpochs, $"--epochs must be at most {MaxEpochs:N0} (a search takes 50, an evaluation 600), got {Epochs:N0}");
        Check(Seed >= 0, $"--seed must not be negative, got {Seed}");
        Check(DataSeed >= 0, $"--data-seed must not be negative, got {DataSeed}");
        Check(BatchSize > 0, $"--batch-size must be positive, got {BatchSize}");
        Check(Channels > 0, $"--channels must be positive, got {Channels}");
        Check(Cells > 0, $"--cells must be positive, got {Cells}");
        Check(!SearchSpaces.TryGet(Space, out var space) || Cells <= 0 || Cells >= space.MinCells,
            $"--cells must be at least {space?.MinCells} in the {Space} space ({space?.CellsMeaning}), got {Cells}");
        errors.AddRange(Nb201Source.Problems(Nb201, Space));
        Check(ImageSize is null or >= 4, $"--image-size must be at least 4, got {ImageSize}");
        Check(ImageSize is null or < 4 || ImageSize % 4 == 0, $"--image-size must be a multiple of 4 (the networks halve the side twice), got {ImageSize}");
        if (ThreadCount.Problem(Threads) is { } threads) errors.Add(threads);
        Check(HessianEvery >= 0, $"--hessian-every must be 0 (off) or a positive number of epochs, got {HessianEvery}");
        Check(HessianBatches is >= 1 and <= 64, $"--hessian-batches must be in 1..64, got {HessianBatches}");
        if (DartsEs is { } es) errors.AddRange(es.Problems(Epochs, HessianEvery));
        Check(TrainPortion > 0 && TrainPortion <= 1, $"--train-portion must be in (0, 1], got {TrainPortion}");
        Check(!(IsBiLevel && TrainPortion >= 1), $"--train-portion 1 leaves no validation images for {Method}: use a value below 1");
        Check(TrainSize is null or > 0, $"--train-size must be positive, got {TrainSize}");
        Check(DataFormats.All.Contains(DataFormat), $"--data-format: unknown format '{DataFormat}' (known: {string.Join(", ", DataFormats.All)})");
        // a dataset name is checked when the data is loaded, where the cache folder it lives in is known
        Check(DownloadableDatasets.IsName(Data) || File.Exists(Data) || Directory.Exists(Data),
            $"--data: no such file or folder: {Data} (or a name: {string.Join(", ", DownloadableDatasets.DataNames.Prepend(DataFormats.Synthetic))})");
        Check(!(DataFormat == DataFormats.Synthetic && !IsSynthetic), $"--data-format synthetic does not read {Data}");
        Check(SyntheticClasses >= 2, $"--synthetic-classes must be at least 2, got {SyntheticClasses}");
        Check(!IsSynthetic || TrainSize is null || TrainSize >= SyntheticClasses, $"--train-size {TrainSize} is below one image per class");
        Check(Nb201Dataset == "auto" || Nb201Table.Datasets.Contains(Nb201Dataset),
            $"--nb201-dataset: unknown dataset '{Nb201Dataset}' (known: auto, {string.Join(", ", Nb201Table.Datasets)})");
        var o = Optimizer;
        var lrOk = double.IsFinite(o.Lr) && o.Lr > 0;
        Check(lrOk, $"--lr must be a positive finite number, got {o.Lr}");
        // --lr-min is checked against a valid --lr only: one wrong number is one problem
        Check(!lrOk || double.IsFinite(o.LrMin) && o.LrMin >= 0 && o.LrMin <= o.Lr, $"--lr-min must be in [0, lr = {o.Lr}], got {o.LrMin}");
        Check(o.Momentum >= 0 && o.Momentum < 1, $"--momentum must be in [0, 1), got {o.Momentum}");
        Check(double.IsFinite(o.WeightDecay) && o.WeightDecay >= 0, $"--weight-decay must be a finite number, not negative, got {o.WeightDecay}");
        Check(double.IsFinite(o.GradClip) && o.GradClip >= 0, $"--grad-clip must be a finite number, not negative (0 turns clipping off), got {o.GradClip}");
        Check(double.IsFinite(o.ArchLr) && o.ArchLr > 0, $"--arch-lr must be a positive finite number, got {o.ArchLr}");
        Check(o.ArchBeta1 >= 0 && o.ArchBeta1 < 1, $"--arch-beta1 must be in [0, 1), got {o.ArchBeta1}");
        Check(o.ArchBeta2 >= 0 && o.ArchBeta2 < 1, $"--arch-beta2 must be in [0, 1), got {o.ArchBeta2}");
        Check(double.IsFinite(o.ArchWeightDecay) && o.ArchWeightDecay >= 0, $"--arch-weight-decay must be a finite number, not negative, got {o.ArchWeightDecay}");
        return errors;
    }
}
