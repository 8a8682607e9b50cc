using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using SingleDarts.Grains;
using SingleDarts.Grains.Placement;
using SingleDarts.Hosting.Storage;

namespace SingleDarts.Hosting;

/// <summary>The silo and client setup shared by the silo host, the CLI's embedded silo and the tests.</summary>
public static class SingleDartsHosting
{
    /// <summary>
    /// The SingleDarts grains and services on a silo: worker metadata and slots, the workers-only
    /// placement filter, seed placement, grain storage (in memory unless one named
    /// <see cref="SweepStorage.Name"/> is configured).
    /// </summary>
    public static ISiloBuilder UseSingleDarts(this ISiloBuilder silo, WorkerOptions worker)
    {
        silo.UseSiloMetadata(WorkerMetadata.For(worker));
        WatchdogClock.Use(silo.Services);
        silo.Services.AddSingleton(Options.Create(worker));
        silo.Services.AddSingleton<SeedSlots>();
        silo.Services.AddSingleton<SeedThreads>();
        silo.Services.TryAddSingleton<ISeedSearch, SearchCoreSeedSearch>();
        silo.Services.TryAddSingleton<ICheckpointStores>(new LocalCheckpointStores());
        silo.Services.AddSingleton<WorkerSilos>();
        silo.Services.AddPlacementFilter<WorkerSilosOnlyFilter, WorkerSilosOnlyFilterDirector>(ServiceLifetime.Singleton);
        silo.Services.AddPlacementDirector<SeedPlacement, SeedPlacementDirector>();
        silo.Services.AddOptions<CoordinatorOptions>();
        if (!silo.Services.Any(d => d.IsKeyedService && Equals(d.ServiceKey, SweepStorage.Name)))
            silo.AddMemoryGrainStorage(SweepStorage.Name);
        if (!silo.Services.Any(d => d.ServiceType == typeof(IReminderTable)))
            silo.UseInMemoryReminderService();
        return silo;
    }

    /// <summary>A silo from configuration: <see cref="ClusterSettings"/> (section Orleans) and <see cref="WorkerOptions"/> (section SingleDarts:Worker).</summary>
    /// <exception cref="StorageConfigException">the storage settings are wrong.</exception>
    public static ISiloBuilder UseSingleDarts(this ISiloBuilder silo, IConfiguration configuration)
    {
        var cluster = ClusterSettings.From(configuration);
        var storage = StorageOptions.From(configuration, localGrainStateDefault: "folder");
        silo.UseSingleDartsStorage(storage);
        if (storage.IsAzure)
        {
            // membership in an Azure Table: silos on any machine that reaches the storage account join
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            if (string.IsNullOrWhiteSpace(cluster.AdvertisedAddress))
                silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort, AddressFamily.InterNetwork, listenOnAnyHostAddress: true);
            else
                silo.ConfigureEndpoints(IPAddress.Parse(cluster.AdvertisedAddress), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
            silo.UseSingleDartsAzureClustering(storage);
        }
        else
        {
            var primary = string.IsNullOrWhiteSpace(cluster.PrimarySiloEndpoint) ? null
                : ClusterSettings.ParseEndpoint(cluster.PrimarySiloEndpoint, ClusterSettings.DefaultSiloPort);
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, primary, cluster.ServiceId, cluster.ClusterId);
        }
        silo.Services.Configure<CoordinatorOptions>(configuration.GetSection(CoordinatorOptions.Section));
        silo.UseSingleDartsTls(TlsSettings.From(configuration));
        return silo.UseSingleDarts(configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions());
    }

    /// <summary>TLS on the silo's connections (to silos and from clients) when a certificate is configured.</summary>
    /// <exception cref="SiloConfigException">the certificate cannot be loaded.</exception>
    public static ISiloBuilder UseSingleDartsTls(this ISiloBuilder silo, TlsSettings tls)
    {
        if (!tls.Enabled) return silo;
        var certificate = tls.LoadCertificate();
        return silo.UseTls(certificate, o => tls.Configure(o, certificate));
    }

    /// <summary>TLS on a client's gateway connections when a certificate is configured.</summary>
    /// <exception cref="SiloConfigException">the certificate cannot be loaded.</exception>
    public static IClientBuilder UseSingleDartsTls(this IClientBuilder client, TlsSettings tls)
    {
        if (!tls.Enabled) return client;
        var certificate = tls.LoadCertificate();
        return client.UseTls(certificate, o => tls.Configure(o, certificate));
    }

    /// <summary>A client of the cluster whose gateway is at <paramref name="gateway"/>; it fails at once when nothing answers there.</summary>
    public static IClientBuilder UseSingleDartsGateway(this IClientBuilder client, IPEndPoint gateway, string clusterId = "singledarts", string serviceId = "singledarts")
    {
        client.UseStaticClustering(gateway);
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = clusterId;
            o.ServiceId = serviceId;
        });
        client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
        return client;
    }

    /// <summary>
    /// The silo host: configuration from appsettings.json, environment and command line. A metrics
    /// endpoint that cannot be served is reported on stderr and skipped: losing the scrape endpoint
    /// must not keep a worker from computing.
    /// </summary>
    /// <param name="configure">more silo configuration after SingleDarts' own (the host's Kubernetes, dashboard and health wiring).</param>
    public static IHostApplicationBuilder AddSingleDartsSilo(this IHostApplicationBuilder builder, Action<ISiloBuilder>? configure = null)
    {
        var telemetry = TelemetryOptions.From(builder.Configuration);
        builder.UseOrleans(silo =>
        {
            silo.UseSingleDarts(builder.Configuration);
            configure?.Invoke(silo);
            try
            {
                silo.UseSingleDartsTelemetry(telemetry);
            }
            catch (TelemetryException ex)
            {
                Console.Error.WriteLine($"warning: {ex.Message}; this silo serves no Prometheus metrics (set SingleDarts:Telemetry:Prometheus:Port)");
                telemetry.Prometheus.Enabled = false;
                silo.UseSingleDartsTelemetry(telemetry);
            }
        });
        return builder;
    }
}
