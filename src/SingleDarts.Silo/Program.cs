using Microsoft.Extensions.Hosting;
using SingleDarts.Hosting;

// A SingleDarts silo. Configuration: appsettings.json, then the environment (Orleans__SiloPort=11112,
// SingleDarts__Worker__Slots=2), then the command line (--Orleans:SiloPort=11112).
var builder = Host.CreateApplicationBuilder(args);
builder.AddSingleDartsSilo();
await builder.Build().RunAsync();
