using Mindstack.Platform;
using Mindstack.Platform.Observability;
using Mindstack.Server;
using Mindstack.Server.Cli;

// Composition only: the platform, the five modules and their mount points (see Composition).
if (CliCommands.IsCommand(args))
{
    return await CliCommands.RunAsync(args);
}

// Each phase of the start is timed and logged once listening (category Mindstack.Startup).
var startup = StartupTimeline.Begin();
var builder = WebApplication.CreateBuilder(PlatformHosting.WithSettingsReadOnce(args));
builder.ConfigureMindstackHost();
builder.Services.AddMindstack(builder.Configuration);
builder.Services.AddSingleton(startup);
startup.Mark("host configuration");

var app = builder.Build();
startup.Mark("host build");
// The database model builds on another thread while the endpoints are mapped and migrations checked.
var model = app.Services.BuildDatabaseModelAsync();
app.UseMindstackPlatform();
app.MapMindstack();
startup.Mark("endpoint mapping");

await app.MigrateDatabaseAsync(model);
app.Lifetime.ApplicationStarted.Register(() =>
{
    startup.Mark("host start (options validation, hosted services, Kestrel)");
    startup.Write(app.Services.GetRequiredService<ILoggerFactory>());
});
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the HTTP tests' factory.</summary>
public partial class Program;
