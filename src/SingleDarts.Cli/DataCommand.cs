using System.CommandLine;
using SingleDarts.Search.Data;
using Spectre.Console;

namespace SingleDarts.Cli;

/// <summary>
/// <c>singledarts data download cifar10|cifar100 [--dir DIR]</c>: fetch a dataset into the dataset cache;
/// <c>data check imagenet16-120</c> (<see cref="DataCheckCommand"/>): one put there by hand.
/// </summary>
public static class DataCommand
{
    /// <summary>
    /// For tests only: serve the archive from another base address (a loopback server) and check it
    /// against another MD5. The product always fetches from the authors' address with their checksum.
    /// </summary>
    public const string TestUrlVariable = "SINGLEDARTS_TEST_DOWNLOAD_URL", TestMd5Variable = "SINGLEDARTS_TEST_DOWNLOAD_MD5";

    public static Command Create()
    {
        var name = new Argument<string>("dataset") { Description = string.Join(", ", DownloadableDatasets.All.Select(d => $"{d.Name} ({d.Title}, {d.FileName})")) }
            .AcceptOnlyFromAmong([.. DownloadableDatasets.DataNames]);
        var dir = DirOption("to unpack into");
        var download = new Command("download",
            "Fetch a dataset from its authors' address, check its published MD5 and unpack it into the dataset cache, where --data NAME finds it. " +
            "A broken download continues where it stopped (run the command again); HTTPS_PROXY/HTTP_PROXY/NO_PROXY are honoured.") { name, dir };
        download.SetAction(async (parse, cancel) =>
        {
            var root = Path.GetFullPath(parse.GetValue(dir) ?? DatasetCache.DefaultDirectory);
            if (DownloadableDatasets.TryGetPlaced(parse.GetValue(name)!, out var placed))
            {
                // not downloadable: say where its files go
                Console.Error.WriteLine($"error: {placed.WhereToPut(root)}");
                return CliRunner.UsageError;
            }
            var dataset = DownloadableDatasets.All.Single(d => d.Name == parse.GetValue(name));
            if (dataset.IsIn(root))
            {
                Console.Error.WriteLine($"{dataset.Title} is already in {root}");
                Console.WriteLine(dataset.FolderIn(root));
                return CliRunner.Ok;
            }
            var url = dataset.Url(Environment.GetEnvironmentVariable(TestUrlVariable) is { Length: > 0 } test ? new Uri(test) : DownloadableDatasets.BaseAddress);
            var md5 = Environment.GetEnvironmentVariable(TestMd5Variable) is { Length: > 0 } testMd5 ? testMd5 : dataset.Md5;
            // the default handler takes the proxy from HTTPS_PROXY/HTTP_PROXY/NO_PROXY
            using var http = new HttpClient();
            string folder;
            var created = OutputPaths.FirstMissing(root);
            try
            {
                // a failure before anything arrived leaves nothing to continue from: the folders made for it go
                folder = await OutputPaths.RemoveCreatedOnFailureAsync(created, () => Fetch(http, dataset, root, url, md5, cancel),
                    () => Directory.Exists(root) && Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Any());
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                Console.Error.WriteLine($"cancelled: what was received is kept in {Path.Combine(root, dataset.FileName)}.part; the same command continues it");
                return CliRunner.Cancelled;
            }
            Console.Error.WriteLine($"{dataset.Title} is in {folder}; --data {dataset.Name} reads it");
            Console.WriteLine(folder);
            return CliRunner.Ok;
        });
        return new Command("data", "Datasets: download CIFAR-10/100 into the dataset cache; check ImageNet16-120 put there by hand.") { download, DataCheckCommand.Create() };
    }

    /// <summary><c>--dir</c>: the dataset cache <paramref name="what"/> ("to unpack into").</summary>
    internal static Option<string?> DirOption(string what) => new("--dir")
    {
        Description = $"the dataset cache {what} (default $SINGLEDARTS_CACHE, else $XDG_CACHE_HOME/singledarts, else ~/.cache/singledarts; " +
                      "search, evaluate and sweep read it with --cache-dir)",
    };

    private static async Task<string> Fetch(HttpClient http, DownloadableDataset dataset, string root, Uri url, string md5, CancellationToken cancel)
    {
        if (Console.IsErrorRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            return await new DatasetDownloader(http, new LineObserver()).Fetch(dataset, root, url, md5, cancel);
        var folder = "";
        await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(dataset.FileName, autoStart: true, maxValue: 1);
                folder = await new DatasetDownloader(http, new BarObserver(task)).Fetch(dataset, root, url, md5, cancel);
            });
        return folder;
    }

    /// <summary>Without a terminal: a line at the start, every 10 % and for each step.</summary>
    private sealed class LineObserver : IDownloadObserver
    {
        private int shown = -1;
        private long lastBytes;

        public void Receiving(Uri url, long from, long? total)
        {
            shown = -1;
            Console.Error.WriteLine(from > 0 ? $"continuing {url} at {Mb(from)}{Of(total)}" : $"receiving {url}{(total is { } t ? $" ({Mb(t)})" : "")}");
        }

        public void Received(long bytes, long? total)
        {
            if (total is { } t && t > 0)
            {
                var tenth = (int)(10 * bytes / t);
                if (tenth == shown) return;
                shown = tenth;
                Console.Error.WriteLine($"{10 * tenth,3}%  {Mb(bytes)}{Of(total)}");
            }
            else if (bytes - lastBytes >= 16_000_000)
            {
                lastBytes = bytes;
                Console.Error.WriteLine($"{Mb(bytes)}");
            }
        }

        public void Note(string message) => Console.Error.WriteLine(message);

        private static string Of(long? total) => total is { } t ? $" of {Mb(t)}" : "";

        private static string Mb(long bytes) => $"{bytes / 1e6:F1} MB";
    }

    /// <summary>On a terminal: one progress bar with bytes, speed and time left.</summary>
    private sealed class BarObserver(ProgressTask task) : IDownloadObserver
    {
        public void Receiving(Uri url, long from, long? total)
        {
            if (total is { } t && t > 0) task.MaxValue = t;
            task.Value = from;
        }

        public void Received(long bytes, long? total) => task.Value = bytes;

        public void Note(string message) => AnsiConsole.MarkupLine(Markup.Escape(message));
    }
}
