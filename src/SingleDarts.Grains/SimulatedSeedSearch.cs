using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Measurement;
using SingleDarts.Search.Options;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;
using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Grains;

/// <summary>
/// A stand-in for the search core that measures and tests orchestration alone (no libtorch, no
/// data, no files): every epoch takes <see cref="EpochTime"/> and yields a deterministic record —
/// α drawn from (method, seed, epoch), the cell its argmax, accuracies that rise with the epoch —
/// so a sweep of thousands of seeds runs in seconds and its aggregates can be recomputed exactly.
/// Never the default: <c>sweep bench --simulate</c> and the scale tests register it.
/// </summary>
public sealed class SimulatedSeedSearch(TimeSpan epochTime) : ISeedSearch
{
    public TimeSpan EpochTime { get; } = epochTime;

    public void Run(SearchOptions options, RunFolder folder, IRunObserver observer, Checkpointing checkpoints, CancellationToken cancel)
    {
        observer.Started(new RunStart(RunKinds.Search, [], StepsPerEpoch: 1, Resumed: false, MetricSources.Declared(RunScope.Of(options))));
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            observer.EpochStarting(epoch);
            if (EpochTime > TimeSpan.Zero) Thread.Sleep(EpochTime);
            observer.EpochDone(Epoch(options.Method, options.Seed, epoch, options.Epochs));
        }
    }

    /// <summary>The record of one simulated epoch: a pure function of its arguments.</summary>
    public static EpochRecord Epoch(string method, long seed, int epoch, int epochs)
    {
        var rng = new Random(StableHash(method, seed, epoch));
        var alphas = Enumerable.Range(0, Edge.Count)
            .Select(_ => Enumerable.Range(0, Primitives.Count).Select(_ => (float)(rng.NextDouble() - 0.5) * epoch / epochs).ToArray()).ToArray();
        var weights = alphas.Select(Softmax).ToArray();
        var matrix = new float[Edge.Count, Primitives.Count];
        for (var e = 0; e < Edge.Count; e++)
            for (var o = 0; o < Primitives.Count; o++) matrix[e, o] = alphas[e][o];
        var genotype = Genotype.FromAlphas(matrix);
        var progress = (double)epoch / epochs;
        return new EpochRecord
        {
            Epoch = epoch,
            TrainLoss = 2.3 * (1 - 0.8 * progress) + 0.05 * rng.NextDouble(),
            TrainAcc = 0.1 + 0.8 * progress * rng.NextDouble(),
            ValidAcc = 0.1 + 0.7 * progress * rng.NextDouble(),
            Lr = 0.025,
            Arch = genotype.ToString(),
            Alphas = alphas,
            OpWeights = weights,
            OpShares = genotype.OpShares(),
            Slots = [.. genotype.Slots],
            Metrics = Measure(genotype, weights),
            Steps = 1,
            Images = 64,
            StepSeconds = 0.001,
            Seconds = 0.001,
        };
    }

    /// <summary>The space's cell counts and α's entropy, as a search measures them (no benchmark: no table is read).</summary>
    private static SortedDictionary<string, double> Measure(Genotype genotype, float[][] weights)
    {
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        Nb201Space.Instance.MeasureCell(genotype, metrics);
        var matrix = new float[weights.Length, weights[0].Length];
        for (var e = 0; e < weights.Length; e++)
            for (var o = 0; o < weights[e].Length; o++) matrix[e, o] = weights[e][o];
        metrics[AlphaEntropy.Key] = AlphaEntropy.Mean(matrix);
        return metrics;
    }

    private static float[] Softmax(float[] row)
    {
        var max = row.Max();
        var exp = row.Select(v => Math.Exp(v - max)).ToArray();
        var sum = exp.Sum();
        return [.. exp.Select(v => (float)(v / sum))];
    }

    /// <summary>A hash that is the same in every process (string.GetHashCode is not).</summary>
    private static int StableHash(string method, long seed, int epoch)
    {
        var h = 17L;
        foreach (var c in method) h = h * 31 + c;
        h = h * 1_000_003 + seed;
        h = h * 1_000_003 + epoch;
        return (int)(h ^ (h >> 32));
    }
}
