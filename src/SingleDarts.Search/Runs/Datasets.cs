using SingleDarts.Search.Options;
using SingleDarts.Search.Data;

namespace SingleDarts.Search.Runs;

/// <summary>Builds the dataset and its train / held-out split for a run.</summary>
public static class Datasets
{
    public const int SyntheticImageSize = 32;

    /// <summary>
    /// The run's dataset. Real data comes through the decoded-dataset cache; normalisation is
    /// measured on the whole training split; <c>--train-size</c> takes a class-balanced subset drawn
    /// with the data seed, and an image folder (stored class by class) is put in a seeded order so
    /// that the search/held-out split mixes classes. CIFAR binaries keep their file order, as DARTS.
    /// A downloadable dataset's name (cifar10, cifar100) reads its folder in the dataset cache.
    /// </summary>
    public static Dataset Load(SearchOptions o)
    {
        var dataset = LoadAnySize(o);
        if (dataset.Train.Height % 4 != 0 || dataset.Train.Width % 4 != 0)
            throw new SearchConfigException($"--data {o.Data}: the images are {dataset.Train.Width}x{dataset.Train.Height}; the networks halve the side twice, " +
                $"so it must be a multiple of 4: pass --image-size (e.g. {Math.Max(4, dataset.Train.Height / 4 * 4)})");
        return dataset;
    }

    private static Dataset LoadAnySize(SearchOptions o)
    {
        if (o.IsSynthetic)
        {
            var count = o.TrainSize ?? SyntheticImages.DefaultTrainSize;
            return SyntheticImages.Create(o.SyntheticClasses, count, Math.Max(count / 5, o.SyntheticClasses), o.ImageSize ?? SyntheticImageSize, o.DataSeed);
        }
        try
        {
            var source = DownloadableDatasets.Resolve(o.Data, o.CacheDir);
            var loaded = DatasetLoader.Load(source, o.DataFormat, o.ImageSize, new DatasetCache(o.CacheDir ?? DatasetCache.DefaultDirectory));
            var (mean, std) = loaded.Train.ChannelStatistics();
            var rng = Rng.For(o.DataSeed, "train-order");
            var train = o.TrainSize is { } k ? loaded.Train.BalancedSubset(k, rng, o.Data)
                : loaded.Format == DataFormats.ImageFolder ? loaded.Train.Select(Permutation(loaded.Train.Count, rng))
                : loaded.Train;
            return new Dataset($"{loaded.Format}:{Path.GetFileName(Path.TrimEndingDirectorySeparator(source))}", loaded.Format,
                train, loaded.Test, mean, std, loaded.FromCache, loaded.Warning);
        }
        catch (DataException ex)
        {
            throw new SearchConfigException(ex.Message.Split(Environment.NewLine));
        }
    }

    private static int[] Permutation(int n, Rng rng)
    {
        var p = Enumerable.Range(0, n).ToArray();
        rng.Shuffle(p);
        return p;
    }

    /// <summary>
    /// DARTS' split: the first ⌊portion·n⌋ training images are searched on, the rest validate
    /// (bi-level α steps) and measure held-out accuracy.
    /// </summary>
    public static (int[] Search, int[] HeldOut) Split(int count, double portion)
    {
        var cut = (int)Math.Floor(portion * count);
        if (cut <= 0) throw new SearchConfigException($"--train-portion {portion} of {count} images leaves no image to search on");
        return (Enumerable.Range(0, cut).ToArray(), Enumerable.Range(cut, count - cut).ToArray());
    }
}
