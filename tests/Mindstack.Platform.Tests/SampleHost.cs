using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Tests.Apis;

namespace Mindstack.Platform.Tests;

/// <summary>
/// The platform tests' host: the platform with the tests' sample modules only, composed the way
/// the server's <c>Program</c> composes the real ones. <see cref="PlatformFactory"/> runs it
/// in-process; no real API is in it.
/// </summary>
public sealed class SampleHost
{
    /// <summary>The platform's tables and the sample modules': what the platform tests' databases are migrated with.</summary>
    public static TestSchema Schema { get; } = new("platform-samples", (services, configuration) => services.AddSampleModules(configuration));

    public static async Task<int> Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.ConfigureMindstackHost();
        builder.Services.AddSampleModules(builder.Configuration);

        var app = builder.Build();
        app.UseMindstackPlatform();
        app.MapMindstackPlatform();
        app.MapSampleApi();

        await app.MigrateDatabaseAsync();
        await app.RunAsync();
        return 0;
    }
}

/// <summary>The composition of the platform tests' host, as the server's <c>Composition</c> is its.</summary>
public static class SampleComposition
{
    public static IServiceCollection AddSampleModules(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMindstackPlatform(configuration);
        services.AddSampleApi();
        return services;
    }
}
