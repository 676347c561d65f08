using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Limits;

public static class LimitsExtensions
{
    /// <summary>
    /// Rate limits (<see cref="IRateLimiter"/>, <c>.RateLimit(…)</c>) and idempotency keys
    /// (<c>.Idempotent(…)</c>): their options (<c>Mindstack:Limits</c>), counter store, tables,
    /// request-body buffering for keyed POSTs, metrics and the purge of expired entries.
    /// </summary>
    public static IServiceCollection AddMindstackLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidator>());
        services.AddModelContributor<LimitsModel>();

        services.TryAddSingleton<MemoryRateCounterStore>();
        services.TryAddSingleton<DatabaseRateCounterStore>();
        services.TryAddSingleton<IRateCounterStore>(sp =>
        {
            var store = sp.GetRequiredService<IOptions<LimitsOptions>>().Value.RateLimitStore;
            var provider = sp.GetRequiredService<DatabaseSettings>().Provider;
            return store switch
            {
                RateLimitStore.Memory => sp.GetRequiredService<MemoryRateCounterStore>(),
                RateLimitStore.Database => sp.GetRequiredService<DatabaseRateCounterStore>(),
                _ => provider == DatabaseProvider.Postgres
                    ? sp.GetRequiredService<DatabaseRateCounterStore>()
                    : sp.GetRequiredService<MemoryRateCounterStore>(),
            };
        });
        services.TryAddSingleton<IRateLimiter, RateLimiter>();

        services.TryAddSingleton<IdempotencyStore>();
        services.TryAddSingleton<IdempotencyRunner>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, RequestBufferingStartupFilter>());

        services.TryAddSingleton<LimitsMetrics>();
        services.AddMetrics();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsInstruments, LimitsMetrics>(sp => sp.GetRequiredService<LimitsMetrics>()));

        services.TryAddSingleton<LimitsJanitor>();
        services.AddHostedService(sp => sp.GetRequiredService<LimitsJanitor>());
        return services;
    }
}
