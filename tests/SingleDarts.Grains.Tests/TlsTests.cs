using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace SingleDarts.Grains.Tests;

/// <summary>Silo-to-silo and client-to-silo TLS with a self-signed cluster certificate: two silo processes and CLI clients.</summary>
[Trait("Category", "integration")]
public sealed class TlsTests
{
    [Fact]
    public void A_tls_cluster_runs_a_sweep_for_clients_with_its_certificate_and_refuses_the_others()
    {
        var dir = Tiny.TempDir();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        var cluster = Tls(SelfSigned(Path.Combine(dir, "cluster.pfx"), password), password);
        var stranger = Tls(SelfSigned(Path.Combine(dir, "stranger.pfx"), password), password);

        int primarySilo = CliProcess.FreePort(), primaryGateway = CliProcess.FreePort(), workerSilo = CliProcess.FreePort(), workerGateway = CliProcess.FreePort();
        using var primary = CliProcess.StartSilo($"--Orleans:SiloPort={primarySilo} --Orleans:GatewayPort={primaryGateway} --SingleDarts:Worker:Enabled=false", dir, cluster);
        using var worker = CliProcess.StartSilo($"--Orleans:SiloPort={workerSilo} --Orleans:GatewayPort={workerGateway} " +
            $"--Orleans:PrimarySiloEndpoint=127.0.0.1:{primarySilo} --SingleDarts:Worker:RunsRoot={dir}/runs", dir, cluster);

        var spec = CliProcess.SpecFile(dir, "tls", "tls-test", ["single"], [1], Tiny.Options(epochs: 2));
        var gateway = $"--gateway 127.0.0.1:{primaryGateway}";

        // the seed runs on the worker: the silos talk TLS to each other, and the CLI to the gateway
        var started = CliProcess.RunWhenReachable($"sweep start -f {spec} --report off --watch {gateway}", cluster);
        Assert.True(started.Exit == 0, started.Out + started.Err + primary.Err + worker.Err);
        Assert.Contains("sweep: tls-test completed", started.Out);
        var status = JsonNode.Parse(CliProcess.Run($"sweep status tls-test --json {gateway}", cluster).Out)!;
        Assert.Equal($"127.0.0.1:{workerSilo}", (string?)status["seeds"]![0]!["silo"]);

        // no certificate, or one the cluster does not trust: one clear line, exit 1
        foreach (var env in new[] { null, stranger })
        {
            var (exit, _, stderr) = CliProcess.Run($"sweep status tls-test {gateway}", env);
            Assert.Equal(1, exit);
            Assert.StartsWith("error: cannot reach a SingleDarts gateway", stderr.Trim());
        }

        // a wrong password is a configuration error, and the password is never printed
        var wrong = new Dictionary<string, string>(cluster) { ["SingleDarts__Tls__CertificatePassword"] = "not-" + password };
        var bad = CliProcess.Run($"sweep status tls-test {gateway}", wrong);
        Assert.Equal(2, bad.Exit);
        Assert.Contains("not a PFX, or the wrong password", bad.Err);
        foreach (var output in new[] { bad.Err, started.Out, started.Err, primary.Err, primary.Out, worker.Err, worker.Out })
            Assert.DoesNotContain(password, output);
    }

    private static Dictionary<string, string> Tls(string pfx, string password) => new()
    {
        ["SingleDarts__Tls__CertificatePath"] = pfx,
        ["SingleDarts__Tls__CertificatePassword"] = password,
    };

    /// <summary>A self-signed certificate for localhost, exported with its key.</summary>
    private static string SelfSigned(string path, string password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=singledarts-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));       // server and client authentication
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return path;
    }
}
