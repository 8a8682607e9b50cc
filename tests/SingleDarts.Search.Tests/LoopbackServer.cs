using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SingleDarts.Search.Tests;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (a free port) for download tests: every request is recorded
/// and answered by a handler, on its own connection, which is then closed. A reply can stop mid-body
/// (a connection cut after some bytes), as a flaky network does. It also serves as an HTTP proxy:
/// requests then arrive in absolute form (GET http://host/path).
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    public sealed record Request(string Method, string Target, IReadOnlyDictionary<string, string> Headers)
    {
        public string? Range => Headers.GetValueOrDefault("range");
    }

    /// <param name="CutAfter">body bytes sent before the connection is closed (null: all).</param>
    public sealed record Reply(int Status, string Reason, byte[] Body, IReadOnlyDictionary<string, string> Headers, int? CutAfter = null);

    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly Func<Request, int, Reply> handler;
    private readonly List<Request> requests = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    /// <param name="handler">the reply to the request, given its 0-based number.</param>
    public LoopbackServer(Func<Request, int, Reply> handler)
    {
        this.handler = handler;
        listener.Start();
        loop = Task.Run(Serve);
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/files/");

    public IReadOnlyList<Request> Requests
    {
        get { lock (requests) return [.. requests]; }
    }

    /// <summary>The file, honouring a "Range: bytes=N-" request with 206 and Content-Range.</summary>
    public static Reply File(byte[] file, Request request, int? cutAfter = null)
    {
        if (request.Range is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            var from = int.Parse(range[6..^1]);
            if (from >= file.Length)
                return new Reply(416, "Range Not Satisfiable", [], new Dictionary<string, string> { ["Content-Range"] = $"bytes */{file.Length}" });
            return new Reply(206, "Partial Content", file[from..], new Dictionary<string, string> { ["Content-Range"] = $"bytes {from}-{file.Length - 1}/{file.Length}" }, cutAfter);
        }
        return new Reply(200, "OK", file, new Dictionary<string, string>(), cutAfter);
    }

    public static Reply Status(int status, string reason) => new(status, reason, Encoding.ASCII.GetBytes(reason), new Dictionary<string, string>());

    private async Task Serve()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            using (client)
            {
                try
                {
                    await Answer(client.GetStream());
                }
                catch (Exception ex) when (ex is IOException or SocketException)
                {
                    // the client went away: nothing to answer
                }
            }
        }
    }

    private async Task Answer(NetworkStream stream)
    {
        var head = await ReadHead(stream);
        var lines = head.Split("\r\n");
        var first = lines[0].Split(' ');
        var headers = lines.Skip(1).Where(l => l.Contains(':'))
            .ToDictionary(l => l[..l.IndexOf(':')].Trim().ToLowerInvariant(), l => l[(l.IndexOf(':') + 1)..].Trim());
        var request = new Request(first[0], first[1], headers);
        int index;
        lock (requests)
        {
            requests.Add(request);
            index = requests.Count - 1;
        }
        var reply = handler(request, index);
        var text = new StringBuilder($"HTTP/1.1 {reply.Status} {reply.Reason}\r\nContent-Length: {reply.Body.Length}\r\nConnection: close\r\n");
        foreach (var (key, value) in reply.Headers) text.Append($"{key}: {value}\r\n");
        text.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()));
        await stream.WriteAsync(reply.Body.AsMemory(0, Math.Min(reply.CutAfter ?? reply.Body.Length, reply.Body.Length)));
        await stream.FlushAsync();
    }

    private static async Task<string> ReadHead(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 4 || !(bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0) throw new IOException("the client closed the connection");
            bytes.Add(one[0]);
        }
        return Encoding.ASCII.GetString([.. bytes]);
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // the loop ended with the listener
        }
        stop.Dispose();
    }
}
