using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Media;
using Mindstack.Platform.Observability;
using Mindstack.Platform.OperatorConsole;
using Mindstack.Platform.Realtime;
using Mindstack.Platform.Search;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Platform;

/// <summary>The platform core's doors, used by the server (and only the server).</summary>
public static class PlatformExtensions
{
    public static IServiceCollection AddMindstackPlatform(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMindstackStorage(configuration);
        services.AddMindstackHttp();
        services.AddMindstackObservability();
        services.AddMindstackTelemetry(configuration);
        services.AddMindstackLimits(configuration);
        services.AddMindstackAccounts(configuration);
        services.AddMindstackAi(configuration);
        services.AddMindstackJobs(configuration);
        services.AddMindstackEvents();
        services.AddMindstackWebhooks(configuration);
        services.AddMindstackBilling(configuration);
        services.AddMindstackRealtime(configuration);
        services.AddMindstackMedia(configuration);
        services.AddHybridSearch();
        services.TryAddScoped<OperatorData>();
        return services;
    }

    public static WebApplication UseMindstackPlatform(this WebApplication app)
    {
        app.UseMindstackHttp();
        return app;
    }

    public static IEndpointRouteBuilder MapMindstackPlatform(this IEndpointRouteBuilder routes)
    {
        routes.MapMindstackObservability();
        // Each API's OpenAPI document; the server adds the interactive pages drawn from them.
        routes.MapOpenApi("/openapi/{documentName}.json");
        foreach (var contributor in routes.ServiceProvider.GetServices<IEndpointContributor>())
        {
            contributor.Map(routes);
        }
        return routes;
    }

    /// <summary>Applies pending schema migrations (both providers) before the server serves.</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<MigrationRunner>().MigrateAsync(cancellationToken);
    }

    /// <summary>
    /// Builds the database model (every module's tables: the largest part of a start) on the thread
    /// pool, so that a host can map its endpoints and check its migrations meanwhile; await it before
    /// the first query (the key ring check in <see cref="MigrateDatabaseAsync(WebApplication, CancellationToken)"/>
    /// would otherwise build it itself).
    /// </summary>
    public static Task BuildDatabaseModelAsync(this IServiceProvider services) => Task.Run(async () =>
    {
        await using var scope = services.CreateAsyncScope();
        _ = scope.ServiceProvider.GetRequiredService<MindstackDbContext>().Model;
    });

    /// <summary>
    /// Before the server serves: applies pending migrations, then checks the master key against
    /// the stored key ring and encrypts secrets stored before they were encrypted
    /// (<see cref="DataProtectionAtRest.PrepareSecretsAtRestAsync"/>).
    /// </summary>
    public static Task MigrateDatabaseAsync(this WebApplication app, CancellationToken cancellationToken = default) =>
        app.MigrateDatabaseAsync(model: null, cancellationToken);

    /// <inheritdoc cref="MigrateDatabaseAsync(WebApplication, CancellationToken)"/>
    /// <param name="model">The model's build (<see cref="BuildDatabaseModelAsync"/>), awaited after the migrations.</param>
    public static async Task MigrateDatabaseAsync(this WebApplication app, Task? model, CancellationToken cancellationToken = default)
    {
        var startup = app.Services.GetService<StartupTimeline>();
        await app.Services.MigrateDatabaseAsync(cancellationToken);
        startup?.Mark("migrations check");
        if (model is not null)
        {
            await model;
            startup?.Mark("database model (rest of its build)");
        }
        await app.Services.PrepareSecretsAtRestAsync(cancellationToken);
        startup?.Mark("key ring and secrets at rest");
    }
}
