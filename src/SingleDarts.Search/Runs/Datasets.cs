using SingleDarts.Search.Data;

namespace SingleDarts.Search.Runs;

/// <summary>Builds the dataset and its train / held-out split for a run.</summary>
public static class Datasets
{
    public static Dataset Load(SearchOptions o) => o.Data switch
    {
        "synthetic" => SyntheticImages.Create(o.SyntheticClasses, o.TrainSize ?? SyntheticImages.DefaultTrainSize,
            Math.Max((o.TrainSize ?? SyntheticImages.DefaultTrainSize) / 5, o.SyntheticClasses), o.ImageSize, o.DataSeed),
        _ => throw new SearchConfigException($"--data: unknown dataset '{o.Data}' (available: synthetic)"),
    };

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
