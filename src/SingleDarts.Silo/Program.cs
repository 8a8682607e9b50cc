using Microsoft.Extensions.Hosting;
using SingleDarts.Hosting;

// A SingleDarts silo. Configuration: the appsettings.json next to this program, then the environment
// (Orleans__SiloPort=11112, SingleDarts__Worker__Slots=2), then the command line (--Orleans:SiloPort=11112).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddSingleDartsSilo();
await builder.Build().RunAsync();
