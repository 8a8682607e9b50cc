using System.Diagnostics;
using SingleDarts.Search.Benchmarks;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Data;
using SingleDarts.Search.Nn;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Search.Strategies;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Runs;

/// <summary>
/// One search: data, supernet, α, optimisers and strategy, run epoch by epoch. Everything it
/// depends on is in <see cref="Options"/> and, after <see cref="Restore"/>, in a checkpoint, so a
/// resumed run continues exactly where the interrupted one stopped.
/// </summary>
public sealed class SearchRun : ICheckpointed, IDisposable
{
    private readonly Generator generator;
    private readonly BatchLoader trainLoader;
    private readonly BatchLoader? validLoader;
    private readonly BatchLoader? evalLoader;
    private readonly CosineSchedule schedule;
    private readonly List<EpochRecord> history = [];
    private readonly GcPacer gcPacer = new();

    public SearchRun(SearchOptions options, Dataset? dataset = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new SearchConfigException(problems);
        Options = options;
        TorchRuntime.Configure(options.Threads);
        Device = TorchRuntime.Resolve(options.Device);

        Dataset = dataset ?? Datasets.Load(options);
        var (searchIdx, heldOutIdx) = Datasets.Split(Dataset.Train.Count, options.TrainPortion);
        trainLoader = new BatchLoader(Dataset.Train, searchIdx, options.BatchSize, shuffle: true, augment: options.Augment,
            Dataset.Mean, Dataset.Std, Rng.For(options.Seed, "train-batches"), Device);
        if (options.IsBiLevel)
            validLoader = new BatchLoader(Dataset.Train, heldOutIdx, options.BatchSize, shuffle: true, augment: options.Augment,
                Dataset.Mean, Dataset.Std, Rng.For(options.Seed, "valid-batches"), Device);
        (var evalSet, var evalIdx, ValidSource) = heldOutIdx.Length > 0
            ? (Dataset.Train, heldOutIdx, "train-holdout")
            : Dataset.Test is { } test ? (test, Enumerable.Range(0, test.Count).ToArray(), "test") : (null, [], "none");
        if (evalSet is not null)
            evalLoader = new BatchLoader(evalSet, evalIdx, Math.Max(options.BatchSize, 256), shuffle: false, augment: false,
                Dataset.Mean, Dataset.Std, new Rng(1), Device);

        try
        {
            Nb201TableSource = options.Nb201 ?? Nb201Source.Default(options.Space, Dataset.Format);
            Nb201 = Nb201Source.For(Nb201TableSource, options.Space, Dataset.Format);
        }
        catch (DataException ex)
        {
            throw new SearchConfigException(ex.Message.Split(Environment.NewLine));
        }
        if (Nb201 is not null)
            Nb201Dataset = options.Nb201Dataset != "auto" ? options.Nb201Dataset
                : Dataset.Classes == 100 ? Nb201Table.Cifar100 : Nb201Table.Cifar10;

        Space = SearchSpaces.Get(options.Space);
        generator = new Generator((ulong)options.Seed, CPU);
        Model = Space.Build(options.Channels, options.Cells, Dataset.Classes, options.Relax, generator, Device);
        State = new SearchState(Model, options.Optimizer);
        Strategy = SearchStrategies.Create(options.Method);
        schedule = new CosineSchedule(options.Optimizer.Lr, options.Optimizer.LrMin, options.Epochs);
    }

    public SearchOptions Options { get; }
    public Device Device { get; }
    public Dataset Dataset { get; }
    public ISearchSpace Space { get; }
    public ISpaceModel Model { get; }
    public SearchState State { get; }
    public ISearchStrategy Strategy { get; }

    /// <summary>The NAS-Bench-201 table <see cref="SearchOptions.Nb201"/> names (left out: the built-in one on CIFAR-10/100), or null.</summary>
    public Nb201Table? Nb201 { get; }

    /// <summary>Where <see cref="Nb201"/> comes from: "builtin", a path, or "none".</summary>
    public string Nb201TableSource { get; } = Nb201Source.None;

    /// <summary>The table's dataset that ranks cells (cifar10, cifar100 or imagenet16-120).</summary>
    public string? Nb201Dataset { get; }

    /// <summary>Where held-out accuracy comes from: train-holdout, test (train portion 1) or none.</summary>
    public string ValidSource { get; }
    public int SearchImages => trainLoader.Count;
    public int ValidationImages => validLoader?.Count ?? 0;

    /// <summary>Images the end-of-epoch accuracy is measured on.</summary>
    public int HeldOutImages => evalLoader?.Count ?? 0;
    public int StepsPerEpoch => trainLoader.BatchesPerEpoch;
    public int EpochsDone => history.Count;
    public bool IsFinished => EpochsDone >= Options.Epochs;
    public IReadOnlyList<EpochRecord> History => history;
    public double Seconds => history.Sum(h => h.Seconds);

    /// <summary>Runs the next epoch. <paramref name="onStep"/> hears of each step as it ends.</summary>
    public EpochRecord RunEpoch(CancellationToken cancel = default, Action<StepInfo>? onStep = null)
    {
        if (IsFinished) throw new InvalidOperationException("the run has finished");
        var epoch = EpochsDone;
        var clock = Stopwatch.StartNew();
        var steps = StepsPerEpoch;
        double lossSum = 0, lr = 0;
        var stepTime = TimeSpan.Zero;
        long correct = 0, seen = 0;
        using (var train = new PrefetchingSource(trainLoader.Epoch()))
        using (var valid = validLoader is null ? null : new PrefetchingSource(validLoader.Cycle(steps)))
        {
            for (var step = 0; step < steps; step++)
            {
                cancel.ThrowIfCancellationRequested();
                lr = schedule.At(epoch, step, steps);
                var started = clock.Elapsed;
                StepStats stats;
                try
                {
                    stats = Strategy.Step(State, train, valid, lr);
                }
                catch (NonFiniteException ex)
                {
                    throw new SearchDivergedException(epoch + 1, step + 1, ex.What);
                }
                gcPacer.Step();
                lossSum += stats.Loss * stats.Count;
                correct += stats.Correct;
                seen += stats.Count;
                var took = clock.Elapsed - started;
                stepTime += took;
                onStep?.Invoke(new StepInfo(epoch + 1, step + 1, steps, stats.Count, took));
            }
        }
        // a non-finite value that no gradient showed (e.g. in BatchNorm statistics) must not be reported as a result
        if (State.FirstNonFiniteState() is { } bad) throw new SearchDivergedException(epoch + 1, 0, $"the search state holds {bad}");
        var validAcc = Evaluate();
        var alphas = Model.AlphaValues();
        var relaxed = Model.RelaxedValues();
        var genotype = Space.Derive(alphas, relaxed);
        var record = new EpochRecord
        {
            Epoch = epoch + 1,
            TrainLoss = lossSum / seen,
            TrainAcc = (double)correct / seen,
            ValidAcc = validAcc,
            Lr = lr,
            Arch = genotype.Text,
            Alphas = Rows(alphas),
            OpWeights = Rows(relaxed),
            ParamFreeShare = genotype.ParameterFreeShare,
            SkipConnects = genotype.SkipConnects,
            ParamFreeEdges = genotype.ParameterFreeEdges,
            OpShares = genotype.OpShares(),
            Nb201 = Lookup(genotype),
            Steps = steps,
            Images = seen,
            StepSeconds = stepTime.TotalSeconds,
            Seconds = clock.Elapsed.TotalSeconds,
        };
        history.Add(record);
        return record;
    }

    /// <summary>Top-1 accuracy of the supernet in eval mode on the held-out images; null without any.</summary>
    public double? Evaluate()
    {
        if (evalLoader is null) return null;
        var wasTraining = Model.Training;
        Model.Training = false;
        long correct = 0, seen = 0;
        using (no_grad())
            foreach (var batch in evalLoader.Epoch())
                using (var scope = NewDisposeScope())
                using (batch)
                {
                    correct += Model.Forward(batch.Images).argmax(1).eq(batch.Labels).sum().item<long>();
                    seen += batch.Count;
                }
        Model.Training = wasTraining;
        return (double)correct / seen;
    }

    public SearchResult Result()
    {
        var last = history.LastOrDefault();
        var alphas = Model.AlphaValues();
        var relaxed = Model.RelaxedValues();
        var genotype = Space.Derive(alphas, relaxed);
        return new SearchResult
        {
            Space = Options.Space,
            Method = Options.Method,
            Seed = Options.Seed,
            Epochs = EpochsDone,
            Arch = genotype.Text,
            Alphas = Rows(alphas),
            OpWeights = Rows(relaxed),
            ParamFreeShare = genotype.ParameterFreeShare,
            SkipConnects = genotype.SkipConnects,
            ParamFreeEdges = genotype.ParameterFreeEdges,
            Nb201 = Lookup(genotype),
            TrainLoss = last?.TrainLoss ?? double.NaN,
            TrainAcc = last?.TrainAcc ?? double.NaN,
            ValidAcc = last?.ValidAcc,
            Seconds = Seconds,
        };
    }

    private Nb201Lookup? Lookup(ISpaceGenotype genotype) => genotype is Genotype cell ? Nb201?.Lookup(cell, Nb201Dataset!) : null;

    /// <summary>The whole state after the last finished epoch, as a checkpoint's bytes.</summary>
    public byte[] CheckpointBytes() => SearchCheckpoint.Serialize(this, generator, trainLoader, validLoader);

    /// <summary>Continues from a checkpoint written by a run with the same options; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">the checkpoint is damaged.</exception>
    /// <exception cref="SearchConfigException">it belongs to a run with other options.</exception>
    public void Restore(byte[] checkpoint, string name)
    {
        var restored = SearchCheckpoint.Load(checkpoint, name, this, generator, trainLoader, validLoader);
        history.Clear();
        history.AddRange(restored.History);
    }

    internal static float[][] Rows(float[,] m) =>
        Enumerable.Range(0, m.GetLength(0)).Select(r => Enumerable.Range(0, m.GetLength(1)).Select(c => m[r, c]).ToArray()).ToArray();

    public void Dispose()
    {
        State.Dispose();
        generator.Dispose();
    }
}
