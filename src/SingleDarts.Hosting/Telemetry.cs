using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SingleDarts.Grains.Telemetry;

namespace SingleDarts.Hosting;

/// <summary>
/// Where a silo's metrics and traces go (section <c>SingleDarts:Telemetry</c>). Everything is off
/// unless configured: the silo host's appsettings.json and <c>sweep start --local</c> turn the
/// Prometheus endpoint on; the tests leave it all off.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "SingleDarts:Telemetry";

    /// <summary>The resource's service.name.</summary>
    public string ServiceName { get; set; } = "singledarts";

    public PrometheusSettings Prometheus { get; set; } = new();
    public OtlpSettings Otlp { get; set; } = new();
    public ConsoleSettings Console { get; set; } = new();

    /// <summary>Export Orleans' meter <c>Microsoft.Orleans</c> and activity sources next to ours.</summary>
    public bool Orleans { get; set; } = true;

    public bool TracesEnabled => Otlp.IsEnabled || Console.Traces;
    public bool MetricsEnabled => Prometheus.Enabled || Otlp.IsEnabled || Console.Metrics;

    public sealed class PrometheusSettings
    {
        public bool Enabled { get; set; }

        /// <summary>Loopback unless configured otherwise: the endpoint has no authentication.</summary>
        public string Host { get; set; } = "127.0.0.1";
        public int Port { get; set; } = 9464;
        public string Url => $"http://{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}/metrics";
    }

    /// <summary>
    /// OTLP export of metrics and traces. Endpoint, protocol, headers and timeouts come from the
    /// standard <c>OTEL_EXPORTER_OTLP_*</c> variables; on when configured, or when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set and this is not configured false.
    /// </summary>
    public sealed class OtlpSettings
    {
        public bool? Enabled { get; set; }
        public bool IsEnabled => Enabled ?? !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
    }

    public sealed class ConsoleSettings
    {
        public bool Traces { get; set; }
        public bool Metrics { get; set; }
    }

    public static TelemetryOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
}

/// <summary>The Prometheus endpoint could not be served (its port is taken, or the host is not a local address).</summary>
public sealed class TelemetryException(string message) : Exception(message);

public static class SingleDartsTelemetryHosting
{
    /// <summary>
    /// Metrics (our meter, Orleans' meter) and traces (our activity source, Orleans' sources, with
    /// Orleans' activity propagation across grain calls) to the configured exporters.
    /// </summary>
    /// <exception cref="TelemetryException">the Prometheus endpoint's address cannot be bound.</exception>
    public static ISiloBuilder UseSingleDartsTelemetry(this ISiloBuilder silo, TelemetryOptions options)
    {
        if (!options.MetricsEnabled && !options.TracesEnabled) return silo;
        if (options.Prometheus.Enabled) CheckBindable(options.Prometheus);
        var otel = silo.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName, serviceVersion: SingleDartsTelemetry.Version));
        if (options.MetricsEnabled)
            otel.WithMetrics(metrics =>
            {
                metrics.AddMeter(SingleDartsTelemetry.Name);
                if (options.Orleans) metrics.AddMeter(SingleDartsTelemetry.OrleansMeter);
                if (options.Prometheus.Enabled)
                    metrics.AddPrometheusHttpListener(o =>
                    {
                        o.Host = options.Prometheus.Host;
                        o.Port = options.Prometheus.Port;
                    });
                if (options.Otlp.IsEnabled) metrics.AddOtlpExporter();
                if (options.Console.Metrics) metrics.AddConsoleExporter();
            });
        if (options.TracesEnabled)
        {
            if (options.Orleans) silo.AddActivityPropagation();
            otel.WithTracing(tracing =>
            {
                tracing.AddSource(SingleDartsTelemetry.Name);
                if (options.Orleans) tracing.AddSource(SingleDartsTelemetry.OrleansSources);
                if (options.Otlp.IsEnabled) tracing.AddOtlpExporter();
                if (options.Console.Traces) tracing.AddConsoleExporter();
            });
        }
        return silo;
    }

    /// <summary>Fails early, with the address in the message, where the exporter would fail deep inside the host's start.</summary>
    private static void CheckBindable(TelemetryOptions.PrometheusSettings p)
    {
        if (p.Port is < 1 or > 65535) throw new TelemetryException($"metrics port {p.Port} is not a port (1-65535)");
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(p.Host, out var ip) ? [ip] : Dns.GetHostAddresses(p.Host);
        }
        catch (SocketException ex)
        {
            throw new TelemetryException($"metrics host '{p.Host}' does not resolve ({ex.Message})");
        }
        foreach (var address in addresses)
        {
            var probe = new TcpListener(address, p.Port);
            try
            {
                probe.Start();
            }
            catch (SocketException ex)
            {
                throw new TelemetryException(ex.SocketErrorCode == SocketError.AddressAlreadyInUse
                    ? $"metrics endpoint {p.Url} is in use (another silo or local sweep?): choose another port"
                    : $"metrics endpoint {p.Url} cannot be served ({ex.Message})");
            }
            finally
            {
                probe.Stop();
            }
        }
    }
}
