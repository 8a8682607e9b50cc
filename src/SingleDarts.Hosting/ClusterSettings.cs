using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace SingleDarts.Hosting;

/// <summary>
/// Where a silo listens and which cluster it joins (configuration section <c>Orleans</c>:
/// <c>Orleans:ClusterId</c>, <c>Orleans:ServiceId</c>, <c>Orleans:SiloPort</c>, <c>Orleans:GatewayPort</c>,
/// <c>Orleans:PrimarySiloEndpoint</c>). Membership is development (localhost) clustering: the
/// primary silo holds it; further silos on this machine name the primary's silo endpoint.
/// </summary>
public sealed class ClusterSettings
{
    public const string Section = "Orleans";
    public const int DefaultSiloPort = 11111, DefaultGatewayPort = 30000;

    public string ClusterId { get; set; } = "singledarts";
    public string ServiceId { get; set; } = "singledarts";
    public int SiloPort { get; set; } = DefaultSiloPort;
    public int GatewayPort { get; set; } = DefaultGatewayPort;

    /// <summary>host:port of the primary silo's silo port; empty for the primary itself (local storage only).</summary>
    public string? PrimarySiloEndpoint { get; set; }

    /// <summary>The IP address other silos and clients reach this silo on (azure storage); empty: this machine's first IPv4 address.</summary>
    public string? AdvertisedAddress { get; set; }

    public static ClusterSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ClusterSettings>() ?? new ClusterSettings();

    /// <summary>"host:port" (host defaults to localhost, port to the default gateway port) as an IPv4/IPv6 endpoint.</summary>
    public static IPEndPoint ParseEndpoint(string text, int defaultPort)
    {
        var (host, port) = SplitHostPort(text, defaultPort);
        if (IPAddress.TryParse(host, out var ip)) return new IPEndPoint(ip, port);
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (SocketException ex)
        {
            throw new ArgumentException($"cannot resolve host '{host}' ({ex.Message})");
        }
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new ArgumentException($"host '{host}' has no address");
        return new IPEndPoint(chosen, port);
    }

    private static (string Host, int Port) SplitHostPort(string text, int defaultPort)
    {
        text = text.Trim();
        if (text.Length == 0) return ("localhost", defaultPort);
        var colon = text.LastIndexOf(':');
        if (colon < 0 || text.Count(c => c == ':') > 1 && !text.Contains(']')) return (text.Trim('[', ']'), defaultPort);
        var host = text[..colon].Trim('[', ']');
        if (!int.TryParse(text[(colon + 1)..], out var port) || port is < 1 or > 65535)
            throw new ArgumentException($"'{text}' is not host:port (port 1-65535)");
        return (host.Length == 0 ? "localhost" : host, port);
    }
}

/// <summary>The silo's settings are wrong (it does not start; each problem names its key).</summary>
public sealed class SiloConfigException(IReadOnlyList<string> problems) : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
