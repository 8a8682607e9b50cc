using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SingleDarts.Grains;
using SingleDarts.Hosting.Storage;

namespace SingleDarts.Hosting;

/// <summary>What an embedded silo offers as a worker.</summary>
/// <param name="RunsRoot">where seed run folders go: RunsRoot/&lt;sweep&gt;/&lt;method&gt;-seed&lt;seed&gt;.</param>
/// <param name="Slots">seeds run at once; 0: the default (one on cpu).</param>
/// <param name="CacheDir">the decoded-dataset cache (null: the default).</param>
/// <param name="SimulatedEpochTime">set: a simulated search of this epoch time instead of the search core (benchmarks of the orchestration alone).</param>
public sealed record LocalWorker(string RunsRoot, int Slots = 0, string? CacheDir = null, TimeSpan? SimulatedEpochTime = null)
{
    /// <summary>runs/sweeps, as a silo host's default.</summary>
    public static string DefaultRunsRoot => new WorkerOptions().RunsRoot;
}

/// <summary>The cluster could not be reached or an embedded silo could not start (exit code 1).</summary>
public sealed class ClusterException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A connection to a SingleDarts cluster: a client of a gateway, or (<c>--local</c>) an embedded
/// worker silo in this process whose gateway other CLI processes can use while it runs.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost host;
    private readonly TimeSpan stopLimit;

    /// <summary>A client of a gateway that stopped answering gives up at once; an embedded silo gets time to stop its seeds.</summary>
    private ClusterConnection(IHost host, string gateway, bool embedded)
    {
        this.host = host;
        stopLimit = embedded ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(3);
        Gateway = gateway;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    public IClusterClient Client { get; }
    public string Gateway { get; }

    public static async Task<ClusterConnection> Connect(string gateway, CancellationToken cancel)
    {
        var endpoint = Endpoint(gateway);
        var builder = Builder();
        builder.Logging.ClearProviders();      // a failed connection is reported once, below
        var tls = Tls();
        var cluster = ClusterSettings.From(Environment);     // Orleans__ClusterId, Orleans__ServiceId: the cluster's, as the silos read them
        builder.UseOrleansClient(client => client.UseSingleDartsGateway(endpoint, cluster.ClusterId, cluster.ServiceId).UseSingleDartsTls(tls));
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancel);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            host.Dispose();
            throw new ClusterException($"cannot reach a SingleDarts gateway at {endpoint} ({First(ex)}); start one with 'singledarts sweep start --local' or the silo host, or pass --gateway host:port");
        }
        return new ClusterConnection(host, endpoint.ToString(), embedded: false);
    }

    /// <summary>
    /// An embedded worker silo (localhost clustering, in-memory state) with its gateway on
    /// <paramref name="gateway"/>'s port and its telemetry exported as <paramref name="telemetry"/> says.
    /// </summary>
    /// <exception cref="TelemetryException">the metrics endpoint cannot be served.</exception>
    /// <exception cref="StorageConfigException">the storage settings are wrong.</exception>
    public static async Task<ClusterConnection> StartLocal(string gateway, int siloPort, LocalWorker local, StorageOptions storage, TelemetryOptions telemetry,
        CancellationToken cancel)
    {
        var worker = new WorkerOptions { RunsRoot = local.RunsRoot, Slots = local.Slots, CacheDir = local.CacheDir };
        var endpoint = Endpoint(gateway);
        var builder = Builder();
        var cluster = ClusterSettings.From(Environment);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, endpoint.Port, primarySiloEndpoint: null, cluster.ServiceId, cluster.ClusterId)
                .UseSingleDartsStorage(storage)
                .UseSingleDartsTls(Tls())
                .UseSingleDarts(worker)
                .UseSingleDartsTelemetry(telemetry);
            if (local.SimulatedEpochTime is { } epochTime)
                silo.Services.Replace(ServiceDescriptor.Singleton<ISeedSearch>(new SimulatedSeedSearch(epochTime)));
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancel);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            host.Dispose();
            var inUse = Unwrap(ex).Any(e => e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse });
            throw new ClusterException(inUse
                ? $"port {endpoint.Port} or {siloPort} is in use (another local sweep running?): pass --gateway localhost:PORT and --silo-port PORT"
                : $"the local silo did not start ({Secrets.Redact(First(ex))})");
        }
        return new ClusterConnection(host, $"localhost:{endpoint.Port}", embedded: true);
    }

    /// <summary>The environment as configuration (Orleans__ClusterId, SingleDarts__Tls__*, SingleDarts__Storage__*): the keys the silo host reads, for the CLI.</summary>
    public static IConfiguration Environment { get; } = new ConfigurationBuilder().AddEnvironmentVariables().Build();

    /// <summary>TLS settings from the environment (SingleDarts__Tls__CertificatePath, SingleDarts__Tls__CertificatePassword), as the silos read them.</summary>
    private static TlsSettings Tls() => TlsSettings.From(Environment);

    private static IPEndPoint Endpoint(string gateway)
    {
        try
        {
            return ClusterSettings.ParseEndpoint(gateway, ClusterSettings.DefaultGatewayPort);
        }
        catch (ArgumentException ex)
        {
            throw new Search.SearchConfigException($"--gateway: {ex.Message}");
        }
    }

    /// <summary>No appsettings, no console chatter: only SingleDarts warnings and Orleans errors, on stderr.</summary>
    private static HostApplicationBuilder Builder()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter((category, level) => category?.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal) != true
                && level >= (category?.StartsWith("SingleDarts", StringComparison.Ordinal) == true ? LogLevel.Warning : LogLevel.Error));
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        return builder;
    }

    private static IEnumerable<Exception> Unwrap(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException agg)
                foreach (var inner in agg.InnerExceptions.SelectMany(Unwrap)) yield return inner;
        }
    }

    private static string First(Exception ex) => Unwrap(ex).Last().Message.Split('\n')[0].Trim();

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(stopLimit);
        try
        {
            await host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }
        host.Dispose();
    }
}
