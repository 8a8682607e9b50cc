using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Dashboard;
using SingleDarts.Grains;
using SingleDarts.Hosting;
using SingleDarts.Hosting.Storage;

namespace SingleDarts.Silo;

/// <summary>
/// The silo host <c>singledarts-silo</c>: the shared silo setup plus what only a deployed silo needs —
/// Kubernetes hosting, health endpoints, the optional Orleans Dashboard. Configuration: the
/// appsettings.json next to the program, then the environment (<c>Orleans__SiloPort=11112</c>,
/// <c>SingleDarts__Worker__Slots=2</c>), then the command line (<c>--Orleans:SiloPort=11112</c>).
/// </summary>
public static class SiloHost
{
    private const string Live = "live", Ready = "ready";

    /// <exception cref="SiloConfigException">a silo-host setting is wrong.</exception>
    /// <exception cref="StorageConfigException">a storage setting is wrong.</exception>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var settings = SiloSettings.From(builder.Configuration);
        var cluster = ClusterSettings.From(builder.Configuration);
        builder.AddSingleDartsSilo(silo =>
        {
            if (settings.Kubernetes.IsEnabled)
            {
                silo.UseKubernetesHosting();
                // advertise the pod's IP (POD_IP, set by Kubernetes hosting) rather than the first address the host resolves
                if (string.IsNullOrWhiteSpace(cluster.AdvertisedAddress)) silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = null!);
            }
            if (settings.Dashboard.Enabled) silo.AddDashboard();
            if (settings.Health.Enabled)
            {
                silo.Services.AddSingleton(settings.Health);
                silo.Services.AddSingleton<SiloActiveCheck>();
                silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloActiveCheck>());
                silo.Services.AddSingleton<StorageCheck>();
                silo.Services.AddHealthChecks()
                    .AddCheck<SiloActiveCheck>("silo", tags: [Live, Ready])
                    .AddCheck<StorageCheck>("storage", tags: [Ready]);
            }
        });
        // SIGTERM stops the seeds at their next step and hands them over (SeedGrain waits up to 60 s for a step);
        // the host's default 30 s could cut a long step short. Kubernetes' grace period (k8s/) is longer still.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(90));
        if (settings.ServesHttp)
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                if (settings.Health.Enabled) kestrel.Listen(SiloSettings.Address(settings.Health.Host)!, settings.Health.Port);
                if (settings.Dashboard.Enabled) kestrel.Listen(SiloSettings.Address(settings.Dashboard.Host)!, settings.Dashboard.Port);
            });
        else
            builder.Services.AddSingleton<IServer, NoHttpServer>();

        var app = builder.Build();
        // each endpoint answers on its own port only: the health port may be open to the pod network, the dashboard stays where it is configured
        if (settings.Health.Enabled)
            app.MapWhen(c => c.Connection.LocalPort == settings.Health.Port, health =>
            {
                health.UseRouting();
                health.UseEndpoints(e =>
                {
                    e.MapHealthChecks(HealthSettings.LivePath, Checks(Live));
                    e.MapHealthChecks(HealthSettings.ReadyPath, Checks(Ready));
                });
            });
        if (settings.Dashboard.Enabled)
            app.MapWhen(c => c.Connection.LocalPort == settings.Dashboard.Port, dashboard =>
            {
                dashboard.UseRouting();
                dashboard.UseEndpoints(e => e.MapOrleansDashboard());
            });
        return app;
    }

    /// <summary>Runs the silo host to its end: 0 stopped, 1 failed while running, 2 bad configuration (one <c>error:</c> line per problem).</summary>
    public static async Task<int> Run(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (Exception ex) when (ex is StorageConfigException or SiloConfigException)
        {
            foreach (var problem in ex is StorageConfigException s ? s.Problems : ((SiloConfigException)ex).Problems) Console.Error.WriteLine($"error: {problem}");
            return 2;
        }
        await using (app)
        {
            var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SingleDarts.Silo");
            log.LogInformation("Storage: {Storage}", app.Services.GetRequiredService<StorageOptions>().Describe());
            try
            {
                await app.RunAsync();
                return 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // no stack trace for a storage account that cannot be reached, a port in use, a bad certificate
                Console.Error.WriteLine($"error: the silo stopped: {Secrets.Brief(ex)}");
                return 1;
            }
        }
    }

    /// <summary>The checks tagged <paramref name="tag"/>; 200 when all are healthy, 503 otherwise, with each check's status and why as JSON.</summary>
    private static HealthCheckOptions Checks(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = (context, report) =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
            }));
        },
    };

    /// <summary>Kestrel's stand-in when no HTTP endpoint is configured: the host serves nothing (not Kestrel's default http://localhost:5000).</summary>
    private sealed class NoHttpServer : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();
        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public void Dispose()
        {
        }
    }
}
