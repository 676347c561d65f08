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
        // Pooled: a context's set-up (its services, its connection object) is kept between requests.
        // What a unit of work leaves on it for its commit (caller changes, job wakes) is dropped when
        // it is disposed (MindstackDbContext.Dispose), before it goes back to the pool.
        services.AddDbContextPool<MindstackDbContext>((sp, options) =>
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
            ((IDbContextOptionsBuilderInfrastructure)options).AddOrUpdateExtension(
                new MindstackContextOptions(sp.GetServices<IModelContributor>(), db));
            // Every SQL command at Information floods the console; operators who want them ask for Debug.
            options.ConfigureWarnings(w => w.Log((RelationalEventId.CommandExecuted, LogLevel.Debug)));
            options.ReplaceService<IModelCacheKeyFactory, ContributorModelCacheKeyFactory>();
            options.AddInterceptors(sp.GetServices<IInterceptor>());
        });
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
