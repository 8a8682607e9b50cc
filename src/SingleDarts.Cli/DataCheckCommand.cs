using System.CommandLine;
using SingleDarts.Search.Data;

namespace SingleDarts.Cli;

/// <summary>
/// <c>singledarts data check imagenet16-120 [--dir DIR]</c>: a dataset the user puts into the dataset cache by hand (its
/// publisher requires registration) — says where its files go, and checks those there: each file read, the images counted.
/// </summary>
public static class DataCheckCommand
{
    public static Command Create()
    {
        var dir = DataCommand.DirOption("that holds it");
        var name = new Argument<string>("dataset")
        {
            Description = string.Join(", ", DownloadableDatasets.Placed.Select(d => $"{d.Name} ({d.Title}, put into DIR/{d.Folder})")),
        }.AcceptOnlyFromAmong([.. DownloadableDatasets.Placed.Select(d => d.Name)]);
        var check = new Command("check",
            "Check a dataset put into the dataset cache by hand (ImageNet16-120: its eleven pickled files, every image read and counted " +
            "against the release's 1,281,167 + 50,000 and NAS-Bench-201's 151,700 + 6,000 of 120 classes); without its files, say where they go.") { name, dir };
        check.SetAction(parse =>
        {
            var dataset = DownloadableDatasets.Placed.Single(d => d.Name == parse.GetValue(name));
            var root = Path.GetFullPath(parse.GetValue(dir) ?? DatasetCache.DefaultDirectory);
            var folder = dataset.FolderIn(root);
            if (!Directory.Exists(folder) || !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Console.Error.WriteLine($"error: {dataset.WhereToPut(root)}");
                return CliRunner.UsageError;
            }
            var result = ImageNet16Check.Run(folder, file => Console.Error.WriteLine($"reading {file}"));
            foreach (var line in result.Lines) Console.WriteLine(line);
            foreach (var problem in result.Problems) Console.Error.WriteLine($"error: {problem}");
            if (!result.Complete) return CliRunner.UsageError;
            Console.Error.WriteLine($"{dataset.Title} is complete in {folder}; --data {dataset.Name} reads it");
            Console.WriteLine(folder);
            return CliRunner.Ok;
        });
        return check;
    }
}
