using System.CommandLine;
using System.Globalization;
using SingleDarts.Search.Spaces.Nb201;

namespace SingleDarts.Cli;

/// <summary><c>singledarts nb201 show|best</c>: look cells up in a NAS-Bench-201 table.</summary>
public static class Nb201Command
{
    public static Command Create()
    {
        var table = new Option<string>("--nb201")
        {
            Description = "NAS-Bench-201 table: builtin (NATS-Bench tss, 200 epochs, shipped with the program) or a CSV index,arch,cifar10_test,cifar100_test,imagenet16_120_test",
            DefaultValueFactory = _ => Nb201Source.Builtin,
        };
        var arch = new Argument<string>("arch") { Description = "canonical arch string, e.g. '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'" };

        var show = new Command("show", "A cell's true test accuracies and its rank on each dataset.") { arch, table };
        show.SetAction(parse =>
        {
            if (!Genotype.TryParse(parse.GetValue(arch)!, out var genotype, out var error)) throw new Search.Data.DataException(error!);
            var t = Open(parse.GetValue(table)!);
            var row = t.Find(genotype!) ?? throw new Search.Data.DataException($"{genotype} is not in the table");
            Console.WriteLine($"index {row.Index}  {row.Genotype}  param-free edges {row.Genotype.ParameterFreeEdges}/{Nb201Space.Instance.CountedEdges}");
            Console.WriteLine($"{"dataset",-16}{"test_acc",10}{"rank",8}");
            foreach (var d in Nb201Table.Datasets)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{d,-16}{row.Accuracy(d),10:F4}{t.Rank(row, d),8}"));
            return CliRunner.Ok;
        });

        var best = new Command("best", "The best cell of the table on each dataset.") { table };
        best.SetAction(parse =>
        {
            var t = Open(parse.GetValue(table)!);
            Console.WriteLine($"{"dataset",-16}{"index",7}{"test_acc",10}  arch");
            foreach (var d in Nb201Table.Datasets)
            {
                var row = t.Best(d);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{d,-16}{row.Index,7}{row.Accuracy(d),10:F4}  {row.Genotype}"));
            }
            return CliRunner.Ok;
        });

        return new Command("nb201", "Look cells up in the NAS-Bench-201 ground-truth table.") { show, best };
    }

    private static Nb201Table Open(string source) => source == Nb201Source.None
        ? throw new Search.Data.DataException($"--nb201 {Nb201Source.None}: these commands look cells up in a table (builtin or a CSV path)")
        : Nb201Source.Open(source);
}
