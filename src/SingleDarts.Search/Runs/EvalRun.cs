using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Data;
using SingleDarts.Search.Measurement;
using SingleDarts.Search.Metrics;
using SingleDarts.Search.Nn;
using SingleDarts.Search.Optim;
using SingleDarts.Search.Options;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Strategies;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SingleDarts.Search.Runs;

/// <summary>
/// Trains a space's evaluation network with one genotype from scratch: SGD (optionally Nesterov)
/// with weight decay, cosine learning rate per step, gradient clipping, an auxiliary loss and
/// drop-path where the space has them; after every epoch, top-1 accuracy on the test split. Like a
/// <see cref="SearchRun"/>, everything it depends on is its options and, after <see cref="Restore"/>,
/// a checkpoint, so a resumed run continues bit for bit.
/// </summary>
public sealed partial class EvalRun : IRun
{
    private readonly Generator generator;
    private readonly BatchLoader trainLoader;
    private readonly BatchLoader testLoader;
    private readonly CosineSchedule schedule;
    private readonly Sgd optimizer;
    private readonly Parameter[] weights;
    private readonly string[] weightNames;
    private readonly (string Name, Tensor Tensor)[] buffers;
    private readonly List<EpochRecord> history = [];
    private readonly RunScope scope;
    private readonly GcPacer gcPacer = new();

    public EvalRun(EvalOptions options, Dataset? dataset = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new SearchConfigException(problems);
        Space = SearchSpaces.Get(options.Space);
        Genotype = Space.Parse(options.Arch);
        Options = options with { Arch = Genotype.Text };
        TorchRuntime.Configure(options.Threads);
        Device = TorchRuntime.Resolve(options.Device);

        Dataset = dataset ?? Datasets.Load(options.DataOptions());
        if (Dataset.Test is null)
            throw new SearchConfigException($"--data {options.Data} has no test split: evaluation reports test accuracy (CIFAR's test batch, or an image folder's test/)");
        scope = RunScope.Of(Options);
        Metrics = MetricSources.Declared(scope);
        var auxiliary = options.AuxiliaryWeight > 0;
        if (auxiliary && Dataset.Train.Height < 4 * Spaces.Darts.AuxiliaryHead.MinSide)
            throw new SearchConfigException($"--auxiliary-weight needs images of at least {4 * Spaces.Darts.AuxiliaryHead.MinSide} px (it reads the feature map after two reductions); these are {Dataset.Train.Height} px: use --auxiliary-weight 0");
        var test = options.TestSize is { } n ? Subset(Dataset.Test, n, options) : Dataset.Test;
        trainLoader = new BatchLoader(Dataset.Train, [.. Enumerable.Range(0, Dataset.Train.Count)], options.BatchSize, shuffle: true, augment: options.Augment,
            Dataset.Mean, Dataset.Std, Rng.For(options.Seed, "eval-train-batches"), Device, options.Cutout);
        testLoader = new BatchLoader(test, [.. Enumerable.Range(0, test.Count)], Math.Max(options.BatchSize, 256), shuffle: false, augment: false,
            Dataset.Mean, Dataset.Std, new Rng(1), Device);

        generator = new Generator((ulong)options.Seed, CPU);
        Network = Space.BuildNetwork(Genotype, options.Channels, options.Cells, Dataset.Classes, auxiliary, generator);
        if (options.InitFrom is { } init) InitFrom(init, auxiliary);
        if (Device.type != DeviceType.CPU) Network.to(Device);
        var named = Network.named_parameters().ToArray();
        weights = [.. named.Select(p => p.parameter)];
        weightNames = [.. named.Select(p => p.name)];
        buffers = Network.named_buffers().ToArray();
        optimizer = new Sgd(weights, options.Momentum, options.WeightDecay, options.Nesterov);
        schedule = new CosineSchedule(options.Lr, options.LrMin, options.Epochs);
    }

    /// <summary>The network's weights and statistics from a state_dict file; a file with or without the auxiliary head the options do not ask for is told how to match it.</summary>
    private void InitFrom(string path, bool auxiliary)
    {
        try
        {
            PyTorchStateDict.Read(Network, path);
        }
        catch (SearchConfigException ex) when (ex.Message.Contains($"'{EvalNetwork.AuxiliaryPrefix}", StringComparison.Ordinal))
        {
            throw new SearchConfigException(ex.Message + (auxiliary
                ? "; the file has no auxiliary head: use --auxiliary-weight 0"
                : "; the file holds an auxiliary head: give --auxiliary-weight above 0 (it is used in training only)"));
        }
    }

    private static ImageSet Subset(ImageSet test, int count, EvalOptions options)
    {
        try
        {
            return test.BalancedSubset(count, Rng.For(options.DataSeed, "test-subset"), options.Data, "--test-size", "test");
        }
        catch (DataException ex)
        {
            throw new SearchConfigException(ex.Message);
        }
    }

    public string Kind => RunKinds.Evaluation;
    public EvalOptions Options { get; }
    public IReadOnlyList<MetricDefinition> Metrics { get; }
    public ISearchSpace Space { get; }
    public ISpaceGenotype Genotype { get; }
    public Device Device { get; }
    public Dataset Dataset { get; }
    public EvalNetwork Network { get; }
    public int TrainImages => trainLoader.Count;
    public int TestImages => testLoader.Count;
    public int StepsPerEpoch => trainLoader.BatchesPerEpoch;
    public int EpochsDone => history.Count;
    public int Epochs => Options.Epochs;
    public bool IsFinished => EpochsDone >= Options.Epochs;
    public IReadOnlyList<EpochRecord> History => history;
    public double Seconds => history.Sum(h => h.Seconds);

    /// <summary>Drop-path probability of a 0-based epoch: DARTS' drop_path_prob · epoch / epochs.</summary>
    public double DropPathAt(int epoch) => Options.DropPath * epoch / Options.Epochs;

    /// <summary>Trains the next epoch and tests; <paramref name="onStep"/> hears of each step as it ends.</summary>
    public EpochRecord RunEpoch(CancellationToken cancel = default, Action<StepInfo>? onStep = null)
    {
        if (IsFinished) throw new InvalidOperationException("the run has finished");
        var epoch = EpochsDone;
        var clock = Stopwatch.StartNew();
        var steps = StepsPerEpoch;
        Network.train(true);
        Network.DropPathProb = DropPathAt(epoch);
        var from = midEpoch.Take(epoch + 1) ?? new EpochProgress { Epoch = epoch + 1, Rng = new() { ["train"] = trainLoader.RngState } };
        EpochProgress done;
        using (var train = new PrefetchingSource(trainLoader.Epoch(skip: from.Step)))
            done = StepLoop.Run(from, steps, step => schedule.At(epoch, step, steps), lr => Step(train, lr), gcPacer, cancel, onStep, midEpoch.Interrupt);
        var (bad, kind) = NonFinite.FirstNonFinite([.. weights, .. buffers.Select(b => b.Tensor)]);
        if (bad >= 0)
            throw new SearchDivergedException(epoch + 1, 0, $"the network holds {kind} in {(bad < weights.Length ? weightNames[bad] : buffers[bad - weights.Length].Name)}");
        var (testAcc, testLoss) = Test();
        var record = new EpochRecord
        {
            Epoch = epoch + 1,
            TrainLoss = done.LossSum / done.Seen,
            TrainAcc = (double)done.Correct / done.Seen,
            TestAcc = testAcc,
            TestLoss = testLoss,
            Lr = done.Lr,
            Arch = Genotype.Text,
            OpShares = Genotype.OpShares(),
            Slots = [.. Genotype.Slots],
            Metrics = MetricSources.Measure(new Context(scope, epoch + 1, Genotype)),
            Steps = steps,
            Images = done.Seen,
            StepSeconds = done.StepSeconds,
            Seconds = from.Seconds + clock.Elapsed.TotalSeconds,
        };
        history.Add(record);
        return record;
    }

    private StepStats Step(IBatchSource train, double lr)
    {
        using var scope = NewDisposeScope();
        using var batch = train.Next();
        var (logits, aux) = Network.Forward(batch.Images);
        long correct;
        using (no_grad())
            correct = logits.argmax(1).eq(batch.Labels).sum().item<long>();
        var loss = nn.functional.cross_entropy(logits, batch.Labels);
        if (aux is not null)
        {
            using var weight = Options.AuxiliaryWeight.ToScalar();
            loss = loss.add(nn.functional.cross_entropy(aux, batch.Labels), weight);
        }
        var lossValue = NonFinite.Loss(loss, "training loss");
        // a genotype may leave weights out of the graph (an NB201 node that no path takes to the output, a
        // cell whose output edges are all none): they get no gradient and, as in PyTorch, no update
        var grads = autograd.grad([loss], weights, allow_unused: true).Select(g => g.IsInvalid ? null : g).ToArray();
        var used = grads.Select((g, i) => (g, i)).Where(x => x.g is not null).ToArray();
        var present = used.Select(x => x.g!).ToArray();
        var norm = GradClip.GlobalNorm(present);
        NonFinite.Gradients(norm, present, "w", i => weightNames[used[i].i]);
        if (Options.GradClip > 0) GradClip.Clip(present, Options.GradClip, norm);
        optimizer.Step(grads, lr);
        return new StepStats(lossValue, correct, batch.Count);
    }

    /// <summary>Top-1 accuracy and mean cross-entropy on the test images, in eval mode.</summary>
    public (double Accuracy, double Loss) Test()
    {
        var wasTraining = Network.training;
        Network.train(false);
        long correct = 0, seen = 0;
        double lossSum = 0;
        using (no_grad())
            foreach (var batch in testLoader.Epoch())
                using (var scope = NewDisposeScope())
                using (batch)
                {
                    var (logits, _) = Network.Forward(batch.Images);
                    correct += logits.argmax(1).eq(batch.Labels).sum().item<long>();
                    lossSum += nn.functional.cross_entropy(logits, batch.Labels, reduction: nn.Reduction.Sum).item<float>();
                    seen += batch.Count;
                }
        Network.train(wasTraining);
        return ((double)correct / seen, lossSum / seen);
    }

    public EvalResult Result()
    {
        var last = history.LastOrDefault();
        var best = history.Count == 0 ? null : history.MaxBy(h => h.TestAcc ?? double.NaN);
        return new EvalResult
        {
            Space = Options.Space,
            Arch = Options.Arch,
            Seed = Options.Seed,
            Epochs = EpochsDone,
            Weights = Network.WeightCount,
            WeightsWithAuxiliary = Network.AllWeightCount,
            TestAcc = last?.TestAcc ?? double.NaN,
            BestTestAcc = best?.TestAcc ?? double.NaN,
            BestEpoch = best?.Epoch ?? 0,
            TrainLoss = last?.TrainLoss ?? double.NaN,
            TrainAcc = last?.TrainAcc ?? double.NaN,
            TestImages = TestImages,
            Seconds = Seconds,
        };
    }

    public void Dispose()
    {
        optimizer.Dispose();
        Network.Dispose();
        generator.Dispose();
    }
}
