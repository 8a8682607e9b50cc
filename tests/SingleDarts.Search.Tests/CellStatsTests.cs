using SingleDarts.Search.Runs;
using SingleDarts.Search.Spaces.Nb201;
using SingleDarts.Tests;

namespace SingleDarts.Search.Tests;

[Trait("Category", "unit")]
public sealed class CellStatsTests
{
    [Fact]
    public void Entropy_is_ln5_for_undecided_edges_zero_for_decided_ones_and_renormalises_sigmoid_weights()
    {
        float[] uniform = [0.2f, 0.2f, 0.2f, 0.2f, 0.2f], decided = [0, 0, 1, 0, 0], sigmoid = [0.5f, 0.5f, 0.5f, 0.5f, 0.5f];
        Assert.Equal(Math.Log(5), AlphaEntropy.Mean(Matrix(Enumerable.Repeat(uniform, 6))), 6);
        Assert.Equal(0, AlphaEntropy.Mean(Matrix(Enumerable.Repeat(decided, 6))), 12);
        Assert.Equal(Math.Log(5), AlphaEntropy.Mean(Matrix(Enumerable.Repeat(sigmoid, 6))), 6);
        // the mean over edges: three decided, three undecided
        Assert.Equal(Math.Log(5) / 2, AlphaEntropy.Mean(Matrix([uniform, uniform, uniform, decided, decided, decided])), 6);
    }

    [Fact]
    public void Op_shares_count_the_cells_edges_per_operation()
    {
        var shares = Genotype.Parse("|skip_connect~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|skip_connect~1|avg_pool_3x3~2|").OpShares();
        Assert.Equal([1 / 6.0, 3 / 6.0, 0, 1 / 6.0, 1 / 6.0], shares);
    }

    [Fact]
    public void The_observer_hears_every_step_with_its_images_and_every_checkpoint_with_its_size()
    {
        var observer = new Recorder();
        var dir = TinySearch.TempDir();
        SearchRunner.Run(TinySearch.Options(epochs: 2), dir, observer: observer);
        Assert.Equal([1, 2], observer.Started);
        Assert.Equal(2 * 4, observer.Steps.Count);                 // 64 searched images in batches of 16, two epochs
        Assert.All(observer.Steps, s => Assert.Equal(16, s.Images));
        Assert.All(observer.Steps, s => Assert.True(s.Duration > TimeSpan.Zero));
        Assert.Equal([1, 2], observer.Checkpoints.Select(c => c.Epoch));
        Assert.Equal(new FileInfo(Path.Combine(dir, "checkpoints", "epoch-0002.ckpt")).Length, observer.Checkpoints[^1].Bytes);
        Assert.All(observer.Epochs, e => Assert.Equal(64, e.Images));
        Assert.All(observer.Epochs, e => Assert.InRange(e.StepSeconds, double.Epsilon, e.Seconds));
    }

    private static float[,] Matrix(IEnumerable<float[]> rows)
    {
        var list = rows.ToList();
        var m = new float[list.Count, list[0].Length];
        for (var r = 0; r < list.Count; r++)
            for (var c = 0; c < list[r].Length; c++) m[r, c] = list[r][c];
        return m;
    }

    private sealed class Recorder : IRunObserver
    {
        public List<int> Started { get; } = [];
        public List<StepInfo> Steps { get; } = [];
        public List<(int Epoch, long Bytes)> Checkpoints { get; } = [];
        public List<EpochRecord> Epochs { get; } = [];

        public void EpochStarting(int epoch) => Started.Add(epoch);
        public void StepDone(StepInfo step) => Steps.Add(step);
        public void CheckpointSaved(int epoch, TimeSpan duration, long bytes) => Checkpoints.Add((epoch, bytes));
        public void EpochDone(EpochRecord record) => Epochs.Add(record);
    }
}
