using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SingleDarts.Grains;
using SingleDarts.Hosting;
using SingleDarts.Hosting.Storage;

// A SingleDarts silo. Configuration: the appsettings.json next to this program, then the environment
// (Orleans__SiloPort=11112, SingleDarts__Worker__Slots=2, SingleDarts__Storage__ConnectionString=...),
// then the command line (--Orleans:SiloPort=11112).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
try
{
    builder.AddSingleDartsSilo();
}
catch (Exception ex) when (ex is StorageConfigException or SiloConfigException)
{
    foreach (var problem in ex is StorageConfigException s ? s.Problems : ((SiloConfigException)ex).Problems) Console.Error.WriteLine($"error: {problem}");
    return 2;
}
using var host = builder.Build();
var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SingleDarts.Silo");
log.LogInformation("Storage: {Storage}", host.Services.GetRequiredService<StorageOptions>().Describe());
try
{
    await host.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    // no stack trace for a storage account that cannot be reached, a port in use, a bad certificate
    Console.Error.WriteLine($"error: the silo stopped: {Secrets.Brief(ex)}");
    return 1;
}
