using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mindstack.Platform.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// The database context on SQLite or PostgreSQL (<c>Mindstack:Database</c>, <c>Mindstack:Data</c>),
    /// migrations, ids, the clock, and Data Protection (its key ring in the database, under the
    /// master key: <see cref="DataProtectionAtRest"/>).
    /// </summary>
    public static IServiceCollection AddMindstackStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseSettings>().BindConfiguration(DatabaseSettings.Section)
            .PostConfigure<IConfiguration>((settings, config) => settings.Resolve(config)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DatabaseSettings>, DatabaseSettingsValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<DatabaseSettings>>().Value);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IIdGenerator, UlidIdGenerator>();
        services.TryAddSingleton(new MigrationAssemblies());
        services.AddMigrationsFrom(typeof(StorageServiceCollectionExtensions).Assembly);
        services.TryAddScoped<MigrationRunner>();
        // Not AddDbContextPool: the caller-change and job-wake interceptors keep state per context
        // instance (ConditionalWeakTable<DbContext, …>) until a commit or rollback; a save that fails
        // outside a transaction, or a transaction disposed without either, leaves it behind, and a
        // pooled context would carry it into its next request. The constructor's arguments
        // (contributors, settings) are singletons and could move into an options extension.
        services.AddDbContext<MindstackDbContext>((sp, options) =>
        {
            var db = sp.GetRequiredService<DatabaseSettings>();
            if (db.Provider == DatabaseProvider.Postgres)
            {
                options.UseNpgsql(db.ConnectionString);
            }
            else
            {
                Directory.CreateDirectory(db.DataDirectory);
                options.UseSqlite(db.ConnectionString);
                options.AddInterceptors(SqlitePragmas.For(db.SqliteSynchronous));
            }
            // Every SQL command at Information floods the console; operators who want them ask for Debug.
            options.ConfigureWarnings(w => w.Log((RelationalEventId.CommandExecuted, LogLevel.Debug)));
            options.ReplaceService<IModelCacheKeyFactory, ContributorModelCacheKeyFactory>();
            options.AddInterceptors(sp.GetServices<IInterceptor>());
        },
        // The options are built once: every setting above and every interceptor is a singleton,
        // and building them per context (the default) cost more CPU than a short query.
        optionsLifetime: ServiceLifetime.Singleton);
        services.AddMindstackDataProtection(configuration);
        services.AddOptions<UsageCountersOptions>().BindConfiguration(UsageCountersOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UsageCountersOptions>, UsageCountersOptionsValidator>());
        services.TryAddSingleton<IUsageCounters, UsageCounters>();
        services.AddHostedService<UsageCountersFlusher>();
        return services;
    }

    /// <summary>Adds entity configurations to the one database model.</summary>
    public static IServiceCollection AddModelContributor<T>(this IServiceCollection services)
        where T : class, IModelContributor
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelContributor, T>());
        return services;
    }

    /// <summary>Adds every <see cref="SchemaMigration"/> in an assembly to the schema.</summary>
    public static IServiceCollection AddMigrationsFrom(this IServiceCollection services, Assembly assembly)
    {
        var registry = services
            .Where(d => d.ServiceType == typeof(MigrationAssemblies))
            .Select(d => d.ImplementationInstance)
            .OfType<MigrationAssemblies>()
            .FirstOrDefault();
        if (registry is null)
        {
            registry = new MigrationAssemblies();
            services.AddSingleton(registry);
        }
        registry.Add(assembly);
        return services;
    }
}
