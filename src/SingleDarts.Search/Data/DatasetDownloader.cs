using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace SingleDarts.Search.Data;

/// <summary>A download that failed (network, server, checksum); the message says what happened to the partial file.</summary>
public sealed class DownloadException(string message) : Exception(message);

/// <summary>Hears how a download goes (progress bar or plain lines).</summary>
public interface IDownloadObserver
{
    /// <summary>A request is answered; <paramref name="from"/> &gt; 0 when it continues a partial file.</summary>
    void Receiving(Uri url, long from, long? total) { }

    void Received(long bytes, long? total) { }

    /// <summary>A step worth a line: the connection broke and the download continues, checking, unpacking.</summary>
    void Note(string message) { }
}

/// <summary>
/// Fetches a <see cref="DownloadableDataset"/>'s archive into a dataset root and unpacks it there.
/// The archive is written as NAME.part and continued with an HTTP Range request when a connection
/// breaks (here, up to <see cref="Attempts"/> times, or by running the command again); it is renamed
/// to NAME only once its MD5 matches, and unpacked into a temporary folder beside the target that is
/// renamed into place, so the dataset folder is either absent or whole. A complete download with the
/// wrong MD5 is deleted: the bad bytes could be anywhere, so continuing it could never repair it.
/// The <see cref="HttpClient"/> is the caller's: its default handler takes the proxy from
/// HTTPS_PROXY/HTTP_PROXY/NO_PROXY.
/// </summary>
public sealed class DatasetDownloader(HttpClient http, IDownloadObserver? observer = null)
{
    public const int Attempts = 3;

    /// <summary>A connection that delivers nothing for this long counts as broken.</summary>
    internal TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    private readonly IDownloadObserver observer = observer ?? new Silent();

    /// <summary>The dataset's folder under <paramref name="root"/>, downloaded and unpacked unless it was there already.</summary>
    /// <param name="url">where the archive is (<see cref="DownloadableDataset.Url"/> of the authors' address, unless a test serves it).</param>
    /// <param name="md5">the archive's MD5 (the published one, unless a test serves another archive).</param>
    public async Task<string> Fetch(DownloadableDataset dataset, string root, Uri url, string md5, CancellationToken cancel = default)
    {
        root = Path.GetFullPath(root);
        if (dataset.IsIn(root)) return dataset.FolderIn(root);
        if (IO.WriteProbe.Unwritable(root) is { } cause) throw new DataException($"{root}: cannot create or write the dataset folder there ({cause})");
        var archive = Path.Combine(root, dataset.FileName);
        if (File.Exists(archive) && !await Matches(archive, md5, cancel)) File.Delete(archive);   // an earlier, verified one is reused
        if (!File.Exists(archive))
        {
            var part = archive + ".part";
            await Download(url, part, cancel);
            observer.Note($"checking the MD5 of {dataset.FileName}");
            if (!await Matches(part, md5, cancel))
            {
                var actual = await Md5Of(part, cancel);
                File.Delete(part);
                throw new DownloadException($"{url}: MD5 {actual} differs from the published {md5}; the download was deleted (continuing it could not repair it): run the command again to fetch it afresh");
            }
            File.Move(part, archive, overwrite: true);
        }
        observer.Note($"unpacking {dataset.FileName}");
        var folder = ArchiveUnpacker.Unpack(archive, dataset, root);
        File.Delete(archive);
        return folder;
    }

    private async Task Download(Uri url, string part, CancellationToken cancel)
    {
        for (var attempt = 1; ; attempt++)
        {
            var from = File.Exists(part) ? new FileInfo(part).Length : 0;
            long received = 0;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                if (from > 0) request.Headers.Range = new RangeHeaderValue(from, null);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
                if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && from > 0)
                {
                    if (response.Content.Headers.ContentRange?.Length == from) return;   // the partial file is whole already
                    File.Delete(part);                                                 // not a prefix of what the server has: start again
                    if (attempt < Attempts) continue;
                }
                if (!response.IsSuccessStatusCode)
                    throw new DownloadException($"{url}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}" + Kept(part));
                // a server that ignores Range answers 200 with the whole file: start the file again
                var append = from > 0 && response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == from;
                var done = append ? from : 0;
                var total = response.Content.Headers.ContentRange?.Length ?? done + response.Content.Headers.ContentLength;
                observer.Receiving(url, done, total);
                await using var file = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
                await using var body = await response.Content.ReadAsStreamAsync(cancel);
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                var buffer = new byte[1 << 16];
                while (true)
                {
                    idle.CancelAfter(IdleTimeout);
                    int n;
                    try
                    {
                        n = await body.ReadAsync(buffer, idle.Token);
                    }
                    catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                    {
                        throw new IOException($"no data for {IdleTimeout.TotalSeconds:F0} s");
                    }
                    if (n == 0) break;
                    await file.WriteAsync(buffer.AsMemory(0, n), cancel);
                    done += n;
                    received += n;
                    observer.Received(done, total);
                }
                if (total is { } t && done != t) throw new IOException($"the response ended after {done:N0} of {t:N0} bytes");
                return;
            }
            catch (HttpRequestException ex) when (received == 0 && ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                                                      or HttpRequestError.ProxyTunnelError or HttpRequestError.SecureConnectionError)
            {
                throw new DownloadException(Unreachable(url, ex) + Kept(part));
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                if (received > 0 && attempt < Attempts)
                {
                    observer.Note($"the connection broke after {Mb(from + received)} ({Inner(ex)}); continuing from there (attempt {attempt + 1} of {Attempts})");
                    continue;
                }
                throw new DownloadException($"{url}: the download broke off ({Inner(ex)})" + Kept(part));
            }
        }
    }

    /// <summary>"cannot reach HOST (…)", or, when the environment sends the request through a proxy, the proxy named as what could not be reached.</summary>
    private static string Unreachable(Uri url, HttpRequestException ex)
    {
        var proxy = HttpClient.DefaultProxy.GetProxy(url);
        if (proxy is null || proxy == url) return $"cannot reach {url.Host} ({Inner(ex)})";
        var variable = url.Scheme == Uri.UriSchemeHttps ? "HTTPS_PROXY" : "HTTP_PROXY";
        return $"cannot reach {url.Host} through the proxy {proxy.GetLeftPart(UriPartial.Authority)} (from {variable}; check it, or set NO_PROXY={url.Host} to go direct): {Inner(ex)}";
    }

    private static string Kept(string part) => File.Exists(part) && new FileInfo(part).Length > 0
        ? $"; the {Mb(new FileInfo(part).Length)} received are kept in {part}: run the same command again to continue"
        : "";

    private static string Mb(long bytes) => $"{bytes / 1e6:F1} MB";

    private static string Inner(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex.Message.Split('\n')[0].Trim();
    }

    private static async Task<bool> Matches(string path, string md5, CancellationToken cancel) =>
        string.Equals(await Md5Of(path, cancel), md5, StringComparison.OrdinalIgnoreCase);

    // MD5 because that is the checksum the authors publish; it catches damaged downloads (HTTPS guards the transport).
    private static async Task<string> Md5Of(string path, CancellationToken cancel)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await MD5.HashDataAsync(file, cancel));
    }

    private sealed class Silent : IDownloadObserver;
}
