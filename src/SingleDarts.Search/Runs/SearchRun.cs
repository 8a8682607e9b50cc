using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Data;
using SingleDarts.Search.Measurement;
using SingleDarts.Search.Metrics;
using SingleDarts.Search.Nn;
using SingleDarts.Search.Options;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Strategies;
using TorchSharp;
using static TorchSharp.torch;

namespace SingleDarts.Search.Runs;

/// <summary>
/// One search: data, supernet, α, optimisers and strategy, run epoch by epoch. Everything it
/// depends on is in <see cref="Options"/> and, after <see cref="Restore"/>, in a checkpoint, so a
/// resumed run continues exactly where the interrupted one stopped.
/// </summary>
public sealed partial class SearchRun : IRun
{
    private readonly Generator generator;
    private readonly BatchLoader trainLoader;
    private readonly BatchLoader? validLoader;
    private readonly HeldOut heldOut;
    private readonly CosineSchedule schedule;
    private readonly List<EpochRecord> history = [];
    private readonly GcPacer gcPacer = new();
    private readonly RunScope scope;

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
        heldOut = heldOutIdx.Length > 0 ? new HeldOut(Dataset, Dataset.Train, heldOutIdx, "train-holdout", options.BatchSize, Device)
            : Dataset.Test is { } test ? new HeldOut(Dataset, test, [.. Enumerable.Range(0, test.Count)], "test", options.BatchSize, Device)
            : HeldOut.None;

        Space = SearchSpaces.Get(options.Space);
        try
        {
            Benchmark = Space.Benchmark?.Open(new BenchmarkSettings(options.Nb201, options.Nb201Dataset), Dataset.Format, Dataset.Classes);
        }
        catch (DataException ex)
        {
            throw new SearchConfigException(ex.Message.Split(Environment.NewLine));
        }
        scope = RunScope.Of(options) with { Table = Benchmark?.Source };
        Metrics = MetricSources.Declared(scope);
        generator = new Generator((ulong)options.Seed, CPU);
        Composition = options.Composition;
        Model = Space.Build(Supernet(options, Composition, Dataset.Classes), generator, Device);
        // DrNAS with its KL regulariser drops α's weight decay (its reference: reg_type kl); otherwise the l2 default stays
        State = new SearchState(Model, Composition.DirichletKl > 0 ? options.Optimizer with { ArchWeightDecay = 0 } : options.Optimizer);
        Strategy = Composition.Strategy();
        schedule = new CosineSchedule(options.Optimizer.Lr, options.Optimizer.LrMin, options.Epochs);
    }

    /// <summary>What a space builds for these options: their size, and the composition's parts that shape the network.</summary>
    public static SupernetSettings Supernet(SearchOptions options, MethodComposition composition, int classes) => new()
    {
        Channels = options.Channels,
        Cells = options.Cells,
        Classes = classes,
        Relaxation = composition.Relax,
        PartialChannels = composition.PartialChannels,
        EdgeNormalization = composition.EdgeNormalization,
        AuxiliarySkip = composition.AuxiliarySkip,
        TauMax = composition.TauMax,
        TauMin = composition.TauMin,
    };

    public string Kind => RunKinds.Search;
    public SearchOptions Options { get; }

    /// <summary>The method as it runs: the preset's composition with the options' parts written in.</summary>
    public MethodComposition Composition { get; }
    public Device Device { get; }
    public Dataset Dataset { get; }
    public ISearchSpace Space { get; }
    public ISpaceModel Model { get; }
    public SearchState State { get; }
    public ISearchStrategy Strategy { get; }
    public IReadOnlyList<MetricDefinition> Metrics { get; }

    /// <summary>The space's benchmark as this run uses it (its table opened once), or null (the space has none).</summary>
    public IBenchmarkLookup? Benchmark { get; }

    /// <summary>Where held-out accuracy comes from: train-holdout, test (train portion 1) or none.</summary>
    public string ValidSource => heldOut.Source;
    public int SearchImages => trainLoader.Count;
    public int ValidationImages => validLoader?.Count ?? 0;

    /// <summary>Images the end-of-epoch accuracy is measured on.</summary>
    public int HeldOutImages => heldOut.Count;
    public int StepsPerEpoch => trainLoader.BatchesPerEpoch;
    public int EpochsDone => history.Count;
    public int Epochs => Options.Epochs;
    public bool IsFinished => EpochsDone >= Options.Epochs || Stopped is not null;
    public IReadOnlyList<EpochRecord> History => history;
    public double Seconds => history.Sum(h => h.Seconds);

    public EpochRecord RunEpoch(CancellationToken cancel = default, Action<StepInfo>? onStep = null)
    {
        if (IsFinished) throw new InvalidOperationException("the run has finished");
        var epoch = EpochsDone;
        var clock = Stopwatch.StartNew();
        var steps = StepsPerEpoch;
        // a run restored from a mid-epoch checkpoint continues that epoch where it stopped; its loaders were set back to the epoch's start
        var from = midEpoch.Take(epoch + 1) ?? new EpochProgress { Epoch = epoch + 1, Rng = LoaderStates() };
        Model.BeginEpoch(epoch, Epochs);
        State.Parts = new StepParts(Composition.PerturbationAt(epoch, Epochs), Composition.BetaDecayAt(epoch, Epochs), Composition.DirichletKl);
        EpochProgress done;
        using (var train = new PrefetchingSource(trainLoader.Epoch(skip: from.Step)))
        using (var valid = validLoader is null ? null : new PrefetchingSource(validLoader.Cycle(steps, skip: from.Step)))
            done = StepLoop.Run(from, steps, step => schedule.At(epoch, step, steps), lr => Strategy.Step(State, train, valid, lr),
                gcPacer, cancel, onStep, midEpoch.Interrupt);
        // a non-finite value that no gradient showed (e.g. in BatchNorm statistics) must not be reported as a result
        if (State.FirstNonFiniteState() is { } bad) throw new SearchDivergedException(epoch + 1, 0, $"the search state holds {bad}");
        var validAcc = Evaluate();
        var alphas = Model.AlphaValues();
        var relaxed = Model.RelaxedValues();
        var genotype = Space.Derive(alphas, Model.DerivationValues());
        var record = new EpochRecord
        {
            Epoch = epoch + 1,
            TrainLoss = done.LossSum / done.Seen,
            TrainAcc = (double)done.Correct / done.Seen,
            ValidAcc = validAcc,
            Lr = done.Lr,
            Arch = genotype.Text,
            Alphas = Rows(alphas),
            OpWeights = Rows(relaxed),
            OpShares = genotype.OpShares(),
            Slots = [.. genotype.Slots],
            Metrics = MetricSources.Measure(new Context(this, epoch + 1, genotype, relaxed)),
            Steps = steps,
            Images = done.Seen,
            StepSeconds = done.StepSeconds,
            Seconds = from.Seconds + clock.Elapsed.TotalSeconds,
        };
        history.Add(record);
        if (Options.DartsEs is { } es && es.Decide([.. history.Select(h => h.Metric(HessianSharpness.Key))], record.Epoch) is var (back, before, now))
        {
            record = record with
            {
                Stop = es.Reason(record.Epoch, back, before, now),
                ResultEpoch = back,
            };
            history[^1] = record;
        }
        return record;
    }

    /// <summary>The epoch a stopping rule (DARTS-ES) ended the search, or null.</summary>
    public EpochRecord? Stopped => history.Count > 0 && history[^1].Stop is not null ? history[^1] : null;

    /// <summary>Top-1 accuracy of the supernet in eval mode on the held-out images; null without any.</summary>
    public double? Evaluate()
    {
        if (heldOut.Loader is not { } loader) return null;
        var wasTraining = Model.Training;
        Model.Training = false;
        long correct = 0, seen = 0;
        using (no_grad())
            foreach (var batch in loader.Epoch())
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
        // stopped by DARTS-ES: the result is the cell, α and numbers of the epoch it returns to
        if (Stopped is { ResultEpoch: { } back } stop)
        {
            var r = history[back - 1];
            return new SearchResult
            {
                Space = Options.Space, Method = Options.Method, Seed = Options.Seed, Epochs = EpochsDone,
                Arch = r.Arch, Alphas = r.Alphas, OpWeights = r.OpWeights, Metrics = r.Metrics,
                TrainLoss = r.TrainLoss, TrainAcc = r.TrainAcc, ValidAcc = r.ValidAcc, Seconds = Seconds,
                Stop = stop.Stop, ResultEpoch = back,
            };
        }
        var last = history.LastOrDefault();
        var alphas = Model.AlphaValues();
        var relaxed = Model.RelaxedValues();
        return new SearchResult
        {
            Space = Options.Space,
            Method = Options.Method,
            Seed = Options.Seed,
            Epochs = EpochsDone,
            Arch = Space.Derive(alphas, Model.DerivationValues()).Text,
            Alphas = Rows(alphas),
            OpWeights = Rows(relaxed),
            Metrics = last?.Metrics ?? new(StringComparer.Ordinal),
            TrainLoss = last?.TrainLoss ?? double.NaN,
            TrainAcc = last?.TrainAcc ?? double.NaN,
            ValidAcc = last?.ValidAcc,
            Seconds = Seconds,
        };
    }

    internal static float[][] Rows(float[,] m) =>
        Enumerable.Range(0, m.GetLength(0)).Select(r => Enumerable.Range(0, m.GetLength(1)).Select(c => m[r, c]).ToArray()).ToArray();

    public void Dispose()
    {
        heldOut.Dispose();
        State.Dispose();
        generator.Dispose();
    }

    /// <summary>What the metric sources read at the end of an epoch.</summary>
    private sealed class Context(SearchRun run, int epoch, ISpaceGenotype genotype, float[,] relaxed) : IEpochContext
    {
        public RunScope Scope => run.scope;
        public int Epoch => epoch;
        public ISpaceGenotype Genotype => genotype;
        public IBenchmarkLookup? Benchmark => run.Benchmark;
        public float[,]? Relaxed => relaxed;
        public ISearchModel? Model => run.Model;
        public IReadOnlyList<Batch> HeldOutBatches(int count) => run.heldOut.Batches(count);
    }
}
