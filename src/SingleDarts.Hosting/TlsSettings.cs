using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;

namespace SingleDarts.Hosting;

/// <summary>
/// TLS for silo-to-silo and client-to-silo connections (section <c>SingleDarts:Tls</c>): on when a
/// certificate (a PFX with its private key) is configured. Every party presents its certificate
/// and accepts a peer whose certificate chains to a trusted root, is the same certificate (one
/// cluster certificate, self-signed, shared by silos and clients), or has a thumbprint listed in
/// <see cref="TrustedThumbprints"/>. The password comes from the environment
/// (<c>SingleDarts__Tls__CertificatePassword</c>) and is never printed.
/// </summary>
public sealed class TlsSettings
{
    public const string Section = "SingleDarts:Tls";

    public string? CertificatePath { get; set; }
    public string? CertificatePassword { get; set; }
    public string[] TrustedThumbprints { get; set; } = [];

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);

    public static TlsSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<TlsSettings>() ?? new TlsSettings();

    /// <exception cref="SiloConfigException">the certificate cannot be read, or has no private key.</exception>
    public X509Certificate2 LoadCertificate()
    {
        var path = Path.GetFullPath(CertificatePath!);
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, CertificatePassword);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            var why = ex is FileNotFoundException or DirectoryNotFoundException ? "no such file" : ex is CryptographicException ? "not a PFX, or the wrong password" : ex.Message;
            throw new SiloConfigException([$"{Section}:CertificatePath: cannot load {path} ({why})"]);
        }
        if (!certificate.HasPrivateKey)
            throw new SiloConfigException([$"{Section}:CertificatePath: {path} has no private key (export the certificate with its key, as a PFX)"]);
        return certificate;
    }

    /// <summary>Mutual TLS with this certificate and the trust rule above.</summary>
    public void Configure(TlsOptions options, X509Certificate2 certificate)
    {
        var trusted = TrustedThumbprints.Select(t => t.Replace(":", "").Trim().ToUpperInvariant()).Append(certificate.Thumbprint).ToHashSet();
        options.LocalCertificate = certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (remote, _, errors) => errors == SslPolicyErrors.None || trusted.Contains(remote.Thumbprint);
    }
}
