using System.Text.Json.Serialization;
using SingleDarts.Search.Data;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Search.Options;

/// <summary>
/// Everything that defines an evaluation run: a genotype of a space trained from scratch on the
/// training split and tested on the test split. <see cref="For"/> gives a space's published protocol
/// (NAS-Bench-201's training, or the DARTS paper's CIFAR-10 evaluation). Same options + same thread
/// count ⇒ the same weights and accuracies, bit for bit, on CPU.
/// </summary>
public sealed record EvalOptions
{
    public string Space { get; init; } = "nb201";

    /// <summary>The genotype's canonical text (a name such as darts_v2 is resolved before a run starts).</summary>
    public string Arch { get; init; } = "";
    public long Seed { get; init; }
    public int Epochs { get; init; } = 200;
    public int BatchSize { get; init; } = 256;
    public int Channels { get; init; } = 16;

    /// <summary>NB201: cells per stage (N); DARTS: cells in all (L).</summary>
    public int Cells { get; init; } = 5;

    public double Lr { get; init; } = 0.1;
    public double LrMin { get; init; }
    public double Momentum { get; init; } = 0.9;
    public bool Nesterov { get; init; } = true;
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>Gradient-norm clip (0: off).</summary>
    public double GradClip { get; init; }

    /// <summary>Weight of the auxiliary head's loss (0: no auxiliary head). DARTS space only.</summary>
    public double AuxiliaryWeight { get; init; }

    /// <summary>Drop-path probability, reached at the last epoch (rising linearly from 0). DARTS space only.</summary>
    public double DropPath { get; init; }

    /// <summary>Side of the cutout square on training images (0: off).</summary>
    public int Cutout { get; init; }

    /// <summary>Random crop (pad 4) and horizontal flip on training batches.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>"synthetic", or a CIFAR-10/100 binary folder or archive, or an image folder or archive (it needs a test split).</summary>
    public string Data { get; init; } = DataFormats.Synthetic;
    public string DataFormat { get; init; } = DataFormats.Auto;
    public int? ImageSize { get; init; }

    /// <summary>Training images (a class-balanced subset drawn with the data seed; null: the whole training split).</summary>
    public int? TrainSize { get; init; }

    /// <summary>Test images (a class-balanced subset drawn with the data seed; null: the whole test split).</summary>
    public int? TestSize { get; init; }
    public int SyntheticClasses { get; init; } = 10;
    public long DataSeed { get; init; }

    /// <summary>libtorch threads, 1..<see cref="ThreadCount.Max"/>; default: the machine's cores (a sweep's seed: its worker's share of them).</summary>
    public int Threads { get; init; } = ThreadCount.Default;
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// A PyTorch state_dict file (the reference network's names, as <c>evaluate</c> writes them) whose weights and
    /// BatchNorm statistics replace the seeded initialisation: fine-tuning or re-testing a trained network. Null: none
    /// (and left out of config.json, so the options of earlier runs read the same).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? InitFrom { get; init; }

    [JsonIgnore]
    public string? CacheDir { get; init; }

    [JsonIgnore]
    public bool IsSynthetic => Data == DataFormats.Synthetic;

    /// <summary>The evaluation protocol of <paramref name="space"/> (its defaults), or the NB201 one for an unknown name.</summary>
    public static EvalOptions For(string space) => SearchSpaces.TryGet(space, out var s) ? From(space, s.EvalDefaults) : new EvalOptions { Space = space };

    private static EvalOptions From(string space, EvalProtocol p) => new()
    {
        Space = space, Channels = p.Channels, Cells = p.Cells, Epochs = p.Epochs, BatchSize = p.BatchSize, Lr = p.Lr, LrMin = p.LrMin,
        Momentum = p.Momentum, Nesterov = p.Nesterov, WeightDecay = p.WeightDecay, GradClip = p.GradClip,
        AuxiliaryWeight = p.AuxiliaryWeight, DropPath = p.DropPath, Cutout = p.Cutout,
    };

    /// <summary>The options of the search these options' data match (for loading the same dataset the same way).</summary>
    internal SearchOptions DataOptions() => new()
    {
        Data = Data,
        DataFormat = DataFormat,
        ImageSize = ImageSize,
        TrainSize = TrainSize,
        SyntheticClasses = SyntheticClasses,
        DataSeed = DataSeed,
        CacheDir = CacheDir,
    };

    /// <summary>Every problem with these options, each as one sentence naming the option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok) errors.Add(message);
        }
        var known = SearchSpaces.TryGet(Space, out var space);
        Check(known, $"--space: unknown search space '{Space}' (known: {string.Join(", ", SearchSpaces.Names)})");
        if (known && string.IsNullOrWhiteSpace(Arch)) errors.Add($"--arch: a {Space} genotype is needed (or a name: {string.Join(", ", space!.NamedGenotypes.Keys)})");
        else if (known)
        {
            try
            {
                space!.Parse(Arch);
            }
            catch (FormatException ex)
            {
                errors.Add($"--arch: {ex.Message}");
            }
        }
        Check(SearchOptions.Devices.Contains(Device), $"--device: unknown device '{Device}' (known: {string.Join(", ", SearchOptions.Devices)})");
        Check(Epochs > 0 || Epochs == 0 && InitFrom is not null, $"--epochs must be positive (0 only with --init-from: test the loaded network), got {Epochs}");
        Check(Epochs <= SearchOptions.MaxEpochs, $"--epochs must be at most {SearchOptions.MaxEpochs:N0} (a search takes 50, an evaluation 600), got {Epochs:N0}");
        Check(Seed >= 0, $"--seed must not be negative, got {Seed}");
        Check(DataSeed >= 0, $"--data-seed must not be negative, got {DataSeed}");
        Check(BatchSize > 0, $"--batch-size must be positive, got {BatchSize}");
        Check(Channels > 0, $"--channels must be positive, got {Channels}");
        Check(Cells > 0, $"--cells must be positive, got {Cells}");
        Check(!known || Cells <= 0 || Cells >= space!.MinCells, $"--cells must be at least {space?.MinCells} in the {Space} space ({space?.CellsMeaning}), got {Cells}");
        var lrOk = double.IsFinite(Lr) && Lr > 0;
        Check(lrOk, $"--lr must be a positive finite number, got {Lr}");
        Check(!lrOk || double.IsFinite(LrMin) && LrMin >= 0 && LrMin <= Lr, $"--lr-min must be in [0, lr = {Lr}], got {LrMin}");
        Check(Momentum >= 0 && Momentum < 1, $"--momentum must be in [0, 1), got {Momentum}");
        Check(!Nesterov || Momentum > 0, "--nesterov needs a momentum above 0");
        Check(double.IsFinite(WeightDecay) && WeightDecay >= 0, $"--weight-decay must be a finite number, not negative, got {WeightDecay}");
        Check(double.IsFinite(GradClip) && GradClip >= 0, $"--grad-clip must be a finite number, not negative (0 turns clipping off), got {GradClip}");
        Check(double.IsFinite(AuxiliaryWeight) && AuxiliaryWeight >= 0, $"--auxiliary-weight must be a finite number, not negative (0 turns the auxiliary head off), got {AuxiliaryWeight}");
        Check(DropPath >= 0 && DropPath < 1, $"--drop-path must be in [0, 1), got {DropPath}");
        Check(Cutout >= 0, $"--cutout must not be negative (0 turns it off), got {Cutout}");
        if (known && !space!.HasAuxiliaryHead) Check(AuxiliaryWeight == 0, $"--auxiliary-weight: the {Space} evaluation network has no auxiliary head (use 0)");
        if (known && !space!.HasDropPath) Check(DropPath == 0, $"--drop-path: the {Space} evaluation network has no drop-path (use 0)");
        Check(ImageSize is null or >= 4, $"--image-size must be at least 4, got {ImageSize}");
        Check(ImageSize is null or < 4 || ImageSize % 4 == 0, $"--image-size must be a multiple of 4 (the networks halve the side twice), got {ImageSize}");
        // the auxiliary head reads the feature map after two reductions (a quarter of the image side)
        Check(AuxiliaryWeight == 0 || ImageSize is null or >= 4 * Spaces.Darts.AuxiliaryHead.MinSide,
            $"--auxiliary-weight needs images of at least {4 * Spaces.Darts.AuxiliaryHead.MinSide} px (it reads the feature map after two reductions); with --image-size {ImageSize} use --auxiliary-weight 0");
        if (ThreadCount.Problem(Threads) is { } threads) errors.Add(threads);
        Check(TrainSize is null or > 0, $"--train-size must be positive, got {TrainSize}");
        Check(TestSize is null or > 0, $"--test-size must be positive, got {TestSize}");
        Check(DataFormats.All.Contains(DataFormat), $"--data-format: unknown format '{DataFormat}' (known: {string.Join(", ", DataFormats.All)})");
        // a dataset name is checked when the data is loaded, where the cache folder it lives in is known
        Check(DownloadableDatasets.IsName(Data) || File.Exists(Data) || Directory.Exists(Data),
            $"--data: no such file or folder: {Data} (or a name: {string.Join(", ", DownloadableDatasets.DataNames.Prepend(DataFormats.Synthetic))})");
        Check(InitFrom is null || File.Exists(InitFrom), $"--init-from: no such file: {InitFrom}");
        Check(SyntheticClasses >= 2, $"--synthetic-classes must be at least 2, got {SyntheticClasses}");
        return errors;
    }
}
