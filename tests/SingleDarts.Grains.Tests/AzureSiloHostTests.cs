using System.Text.Json.Nodes;

namespace SingleDarts.Grains.Tests;

/// <summary>Silo host processes on Azure storage (Azurite): membership in an Azure Table, state and checkpoints in the account.</summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "integration")]
public sealed class AzureSiloHostTests(Azurite azurite)
{
    [Fact]
    public void Two_silo_processes_on_azure_storage_find_each_other_through_the_cluster_table_and_run_a_sweep()
    {
        var dir = Tiny.TempDir();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var azure = $"--SingleDarts:Storage:Kind=azure --SingleDarts:Storage:ClusterTable=Cluster{tag} --SingleDarts:Storage:StateTable=State{tag} " +
                    $"--SingleDarts:Storage:ReminderTable=Reminders{tag} --SingleDarts:Storage:CheckpointContainer=checkpoints-{tag} --Orleans:AdvertisedAddress=127.0.0.1";
        var secret = new Dictionary<string, string> { ["SingleDarts__Storage__ConnectionString"] = azurite.ConnectionString };
        int gatewaySilo = CliProcess.FreePort(), gatewayPort = CliProcess.FreePort(), workerSilo = CliProcess.FreePort(), workerGateway = CliProcess.FreePort();
        using var gateway = CliProcess.StartSilo($"--Orleans:SiloPort={gatewaySilo} --Orleans:GatewayPort={gatewayPort} --SingleDarts:Worker:Enabled=false {azure}", dir, secret);
        // no primary endpoint: the worker finds the gateway silo in the membership table
        using var worker = CliProcess.StartSilo($"--Orleans:SiloPort={workerSilo} --Orleans:GatewayPort={workerGateway} --SingleDarts:Worker:RunsRoot={dir}/runs {azure}", dir, secret);

        var spec = CliProcess.SpecFile(dir, "azure", $"azure-{tag}", ["single", "darts-v1"], [2], Tiny.Options(epochs: 2));
        var started = CliProcess.RunWhenReachable($"sweep start -f {spec} --report off --watch --gateway 127.0.0.1:{gatewayPort}");
        Assert.True(started.Exit == 0, started.Out + started.Err + gateway.Err + worker.Err);
        Assert.Contains($"sweep: azure-{tag} completed", started.Out);
        var status = JsonNode.Parse(CliProcess.Run($"sweep status azure-{tag} --json --gateway 127.0.0.1:{gatewayPort}").Out)!;
        Assert.All(status["seeds"]!.AsArray(), s => Assert.Equal($"127.0.0.1:{workerSilo}", (string?)s!["silo"]));

        // the silos logged where their storage is, never its key; and no line per placement (Polly) or false watchdog stall
        foreach (var output in new[] { gateway.Out, gateway.Err, worker.Out, worker.Err })
        {
            Assert.DoesNotContain(azurite.Key, output);
            Assert.DoesNotContain("Execution attempt", output);
            Assert.DoesNotContain("Participant check thread has not completed", output);
        }
        Assert.Contains("Storage: azure (AccountName=", gateway.Out + gateway.Err);
    }

    [Fact]
    public void Bad_storage_settings_stop_the_silo_before_it_starts_naming_every_key()
    {
        var dir = Tiny.TempDir();
        using var silo = CliProcess.StartSilo("--SingleDarts:Storage:Kind=azure --SingleDarts:Storage:GrainState=folder --SingleDarts:Storage:CheckpointContainer=Bad_Name", dir);
        var (exit, _, stderr) = silo.WaitForExit(TimeSpan.FromMinutes(1));
        Assert.Equal(2, exit);
        var errors = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(errors, e => Assert.StartsWith("error: ", e));
        Assert.Contains(errors, e => e.Contains("GrainState must be table or blob"));
        Assert.Contains(errors, e => e.Contains("SingleDarts__Storage__ConnectionString"));
        Assert.Contains(errors, e => e.Contains("CheckpointContainer 'Bad_Name'"));

        var (code, _, err) = CliProcess.Run($"sweep start -f {Path.Combine(dir, "none.yaml")} --local --storage azure");
        Assert.Equal(2, code);
        Assert.Contains("no such spec file", err);

        // a connection string the Azure SDK cannot use is one line, not a stack trace, and never quotes the key
        var spec = CliProcess.SpecFile(dir, "s", "s", ["single"], [0], Tiny.Options());
        (code, _, err) = CliProcess.Run($"sweep start -f {spec} --report off --local --storage azure --metrics off",
            new Dictionary<string, string> { ["SingleDarts__Storage__ConnectionString"] = "AccountName=x;AccountKey=not-base64!;TableEndpoint=http://127.0.0.1:1/x" });
        Assert.Equal(2, code);
        Assert.StartsWith("error: SingleDarts:Storage:ConnectionString is not a usable storage connection string", err.Trim());
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("not-base64", err);
    }
}
