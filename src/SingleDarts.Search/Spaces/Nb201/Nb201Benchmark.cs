using System.Globalization;
using SingleDarts.Search.Metrics;

namespace SingleDarts.Search.Spaces.Nb201;

/// <summary>
/// NAS-Bench-201's ground truth as the nb201 space's benchmark: every epoch's cell looked up in the
/// table — its test accuracy on the dataset that ranks (the searched one), its rank among the 15,625
/// cells, and the same cell's accuracies on the table's other datasets (transfer, as the NB201 papers
/// report them).
/// </summary>
public sealed class Nb201Benchmark : ISpaceBenchmark
{
    public static readonly Nb201Benchmark Instance = new();

    public const string TestAcc = "nb201.test_acc", Rank = "nb201.rank";

    private Nb201Benchmark()
    {
    }

    public string Name => "nb201";

    /// <summary>The metric of a dataset's accuracy as a transfer figure (<c>nb201.cifar100</c>).</summary>
    public static string TransferKey(string dataset) => "nb201." + dataset.Replace('-', '_');

    private static readonly Dictionary<string, string> DatasetNames = new()
    {
        [Nb201Table.Cifar10] = "CIFAR-10",
        [Nb201Table.Cifar100] = "CIFAR-100",
        [Nb201Table.ImageNet16] = "ImageNet16-120",
    };

    /// <summary>Unless told none; by default not on synthetic data (the table describes CIFAR and ImageNet16-120; a path is judged when its format is known).</summary>
    public bool AppliesTo(BenchmarkSettings settings) =>
        settings.Table != Nb201Source.None && !(settings.Table is null && settings.Data == Data.DataFormats.Synthetic);

    public IReadOnlyList<MetricDefinition> Metrics(BenchmarkSettings? settings)
    {
        if (settings is not null && !AppliesTo(settings)) return [];
        List<MetricDefinition> metrics =
        [
            new()
            {
                Key = TestAcc, Label = "NAS-Bench-201 test accuracy of the cell (the searched dataset)", Column = "NB201 %", Unit = "%",
                Min = 0, Max = 100, Better = Better.Higher, Headline = true, Source = "nb201 benchmark",
                Description = "the cell's test accuracy in the NAS-Bench-201 table (NATS-Bench tss, 200 epochs, mean over its seeds) on the dataset that ranks (--nb201-dataset)",
            },
            new()
            {
                Key = Rank, Label = "NAS-Bench-201 rank of the cell (1 = best of 15,625)", Column = "rank", Unit = "rank",
                Min = 1, Max = Nb201Table.CellCount, Better = Better.Lower, Summary = Summary.Median, Decimals = 0, Headline = true, Source = "nb201 benchmark",
                Description = "1 + the number of cells with a strictly higher test accuracy on the dataset that ranks",
            },
        ];
        metrics.AddRange(Nb201Table.Datasets.Select(d => new MetricDefinition
        {
            Key = TransferKey(d), Label = $"NAS-Bench-201 {DatasetNames[d]} test accuracy of the cell (transfer)", Column = $"NB201 {DatasetNames[d]} %", Unit = "%",
            Min = 0, Max = 100, Better = Better.Higher, Source = "nb201 benchmark",
            Description = $"the same cell's {DatasetNames[d]} test accuracy in the table; reported for the datasets other than the one that ranks",
        }));
        return metrics;
    }

    public IBenchmarkLookup Open(BenchmarkSettings settings, string dataFormat, int classes)
    {
        var source = settings.Table ?? Nb201Source.Default(Name, dataFormat);
        var dataset = settings.Dataset != "auto" ? settings.Dataset : AutoDataset(dataFormat, classes);
        return source == Nb201Source.None ? NoLookup.Instance : new Lookup(Nb201Source.Open(source), source, dataset);
    }

    private sealed class Lookup(Nb201Table table, string source, string dataset) : IBenchmarkLookup
    {
        public string Source => source;
        public string Dataset => dataset;

        public void Measure(ISpaceGenotype genotype, IDictionary<string, double> into)
        {
            if (genotype is not Genotype cell || table.Find(cell) is not { } row) return;
            into[TestAcc] = row.Accuracy(dataset);
            into[Rank] = table.Rank(row, dataset);
            foreach (var other in Nb201Table.Datasets.Where(d => d != dataset))
                into[TransferKey(other)] = row.Accuracy(other);
        }
    }

    /// <summary>A run without a table (<c>--nb201 none</c>, or data the table does not describe).</summary>
    private sealed class NoLookup : IBenchmarkLookup
    {
        public static readonly NoLookup Instance = new();
        public string Source => Nb201Source.None;
        public string Dataset => "";

        public void Measure(ISpaceGenotype genotype, IDictionary<string, double> into)
        {
        }
    }

    /// <summary>
    /// The column that ranks when <c>--nb201-dataset</c> is auto: ImageNet16-120's for that dataset's batches, CIFAR-100's
    /// for 100 classes, else CIFAR-10's (as CIFAR-10/100 select theirs).
    /// </summary>
    public static string AutoDataset(string dataFormat, int classes) =>
        dataFormat == Data.DataFormats.ImageNet16 ? Nb201Table.ImageNet16 : classes == 100 ? Nb201Table.Cifar100 : Nb201Table.Cifar10;

    /// <summary>"cifar10" as the table's columns name it, for messages.</summary>
    public static string Describe(string dataset) => DatasetNames.GetValueOrDefault(dataset, dataset).ToString(CultureInfo.InvariantCulture);
}
