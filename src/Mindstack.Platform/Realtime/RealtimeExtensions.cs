using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Realtime.Backplane;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Realtime;

public static class RealtimeExtensions
{
    /// <summary>
    /// The realtime hub, the publisher, the PostgreSQL backplane (when the database is PostgreSQL),
    /// realtime metrics and WebSocket support. Modules then serve sockets with
    /// <c>MapJsonSocket</c> / <c>MapSocketIo</c> and publish with <see cref="IRealtimePublisher"/>.
    /// </summary>
    public static IServiceCollection AddMindstackRealtime(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RealtimeOptions>().BindConfiguration(RealtimeOptions.Section)
            .PostConfigure(options => options.ApplyNumericKeys()).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RealtimeOptions>, RealtimeOptionsValidator>());
        services.TryAddSingleton<RealtimeMetrics>();
        services.AddMetrics();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsInstruments, RealtimeMetrics>(sp => sp.GetRequiredService<RealtimeMetrics>()));
        services.TryAddSingleton<RealtimeHub>();
        services.TryAddSingleton<RealtimeNode>();
        services.TryAddSingleton<IRealtimeAuthenticator, RefusingRealtimeAuthenticator>();
        services.TryAddSingleton<PostgresBackplane>();
        services.TryAddSingleton<IRealtimeBackplane>(sp =>
            sp.GetRequiredService<DatabaseSettings>().Provider == DatabaseProvider.Postgres
            && sp.GetRequiredService<IOptions<RealtimeOptions>>().Value.BackplaneEnabled
                ? sp.GetRequiredService<PostgresBackplane>()
                : new InProcessBackplane());
        services.TryAddSingleton<IRealtimePublisher, RealtimePublisher>();
        services.TryAddSingleton<MemoryRealtimeSlots>();
        services.TryAddSingleton<PostgresRealtimeSlots>();
        services.TryAddSingleton<IRealtimeSlots>(sp => sp.GetRequiredService<DatabaseSettings>().Provider == DatabaseProvider.Postgres
            ? sp.GetRequiredService<PostgresRealtimeSlots>()
            : sp.GetRequiredService<MemoryRealtimeSlots>());
        services.TryAddSingleton<RealtimeAdmission>();
        services.AddHostedService<RealtimeSlotLeaseService>();
        services.AddHostedService<RealtimeBackplaneService>();
        services.AddModelContributor<RealtimeModel>();
        services.AddModelContributor<RealtimeConnectionsModel>();
        services.AddEventSubscriber<RealtimeEventForwarder>();
        if (configuration[$"{RealtimeOptions.Section}:ProbeApi"] is { Length: > 0 } probeApi)
        {
            services.AddSingleton<IEndpointContributor>(new RealtimeProbeRoutes(probeApi));
        }
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, WebSocketsStartupFilter>());
        return services;
    }

    /// <summary>WebSocket upgrades for every path, ahead of the platform's pipeline (timers are set per socket).</summary>
    private sealed class WebSocketsStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseWebSockets();
            next(app);
        };
    }
}
