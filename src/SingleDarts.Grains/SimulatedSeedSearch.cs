using SingleDarts.Search.Checkpoints;
using SingleDarts.Search.Measurement;
using SingleDarts.Search.Options;
using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces;

namespace SingleDarts.Grains;

/// <summary>
/// A stand-in for the search core that measures and tests orchestration alone (no libtorch, no
/// data, no files): every epoch takes <see cref="EpochTime"/> and yields a deterministic record —
/// α of the space's shape drawn from (method, seed, epoch), the space's genotype of it, accuracies that rise with the epoch —
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
            observer.EpochDone(Epoch(SearchSpaces.Get(options.Space), options.Method, options.Seed, epoch, options.Epochs));
        }
    }

    /// <summary>The record of one simulated epoch of the default space: a pure function of its arguments.</summary>
    public static EpochRecord Epoch(string method, long seed, int epoch, int epochs) =>
        Epoch(SearchSpaces.Get(new SearchOptions().Space), method, seed, epoch, epochs);

    /// <summary>The record of one simulated epoch of <paramref name="space"/>: α of the space's shape, its genotype, its cell counts and α's entropy (no benchmark: no table is read).</summary>
    public static EpochRecord Epoch(ISearchSpace space, string method, long seed, int epoch, int epochs)
    {
        var rng = new Random(StableHash(method, seed, epoch));
        var (rows, ops) = (space.AlphaGroups.Sum(g => g.Edges.Count), space.Operations.Count);
        var alphas = Enumerable.Range(0, rows)
            .Select(_ => Enumerable.Range(0, ops).Select(_ => (float)(rng.NextDouble() - 0.5) * epoch / epochs).ToArray()).ToArray();
        var weights = alphas.Select(Softmax).ToArray();
        var (a, w) = (Matrix(alphas), Matrix(weights));
        var genotype = space.Derive(a, w);
        var progress = (double)epoch / epochs;
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        space.MeasureCell(genotype, metrics);
        metrics[AlphaEntropy.Key] = AlphaEntropy.Mean(w);
        return new EpochRecord
        {
            Epoch = epoch,
            TrainLoss = 2.3 * (1 - 0.8 * progress) + 0.05 * rng.NextDouble(),
            TrainAcc = 0.1 + 0.8 * progress * rng.NextDouble(),
            ValidAcc = 0.1 + 0.7 * progress * rng.NextDouble(),
            Lr = 0.025,
            Arch = genotype.Text,
            Alphas = alphas,
            OpWeights = weights,
            OpShares = genotype.OpShares(),
            Slots = [.. genotype.Slots],
            Metrics = metrics,
            Steps = 1,
            Images = 64,
            StepSeconds = 0.001,
            Seconds = 0.001,
        };
    }

    private static float[,] Matrix(float[][] rows)
    {
        var m = new float[rows.Length, rows[0].Length];
        for (var r = 0; r < rows.Length; r++)
            for (var c = 0; c < rows[r].Length; c++) m[r, c] = rows[r][c];
        return m;
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
