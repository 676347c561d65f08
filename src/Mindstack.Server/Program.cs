using Mindstack.Platform;
using Mindstack.Server;
using Mindstack.Server.Cli;

// Composition only: the platform, the five modules and their mount points (see Composition).
if (CliCommands.IsCommand(args))
{
    return await CliCommands.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.ConfigureMindstackHost();
builder.Services.AddMindstack(builder.Configuration);

var app = builder.Build();
app.UseMindstackPlatform();
app.MapMindstack();

await app.MigrateDatabaseAsync();
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the HTTP tests' factory.</summary>
public partial class Program;
