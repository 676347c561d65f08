using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Jobs;

public static class JobsExtensions
{
    /// <summary>The durable job queue, its workers (<c>Mindstack:Jobs:*</c>), schedules and metrics.</summary>
    public static IServiceCollection AddMindstackJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobsSettings>().BindConfiguration(JobsSettings.Section)
            .PostConfigure(settings => settings.ApplyNumericKeys()).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JobsSettings>, JobsSettingsValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<JobsSettings>>().Value);
        services.TryAddSingleton<JobsNotifier>();
        services.TryAddSingleton<WorkSignals>();
        services.ConfigureDbContext<MindstackDbContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<WorkSignals>()),
            ServiceLifetime.Singleton);
        services.AddModelContributor<JobsModel>();
        services.TryAddSingleton<JobHandlerRegistry>();
        services.TryAddScoped<JobStore>();
        services.TryAddScoped<JobQueue>();
        services.TryAddScoped<IJobQueue>(sp => sp.GetRequiredService<JobQueue>());
        services.TryAddScoped<JobSchedules>();
        services.TryAddScoped<IJobSchedules>(sp => sp.GetRequiredService<JobSchedules>());
        services.TryAddScoped<ClusterLease>();
        services.TryAddScoped<JobAdmin>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IMetricsSource, JobsMetrics>());
        services.AddHostedService<JobWorkerService>();
        services.AddJobHandler<JobsHousekeeping>(JobsHousekeeping.Name);
        services.AddRecurringJob<JobsHousekeeping>(JobsHousekeeping.Name, "17 * * * *");
        return services;
    }

    /// <summary>
    /// Registers a job handler under a type name (default: the class name). The name is what is
    /// stored with each job, so it must not change while jobs of it are queued.
    /// </summary>
    public static IServiceCollection AddJobHandler<THandler>(this IServiceCollection services, string? name = null,
        Action<JobHandlerOptions>? configure = null)
        where THandler : class, IJobHandler
    {
        var options = new JobHandlerOptions();
        configure?.Invoke(options);
        var typeName = string.IsNullOrWhiteSpace(name) ? typeof(THandler).Name : name;
        if (!services.Any(d => d.ImplementationInstance is JobHandlerRegistration r && r.Name == typeName && r.HandlerType == typeof(THandler)))
        {
            services.AddSingleton(new JobHandlerRegistration(typeName, typeof(THandler), options));
        }
        services.TryAddScoped<THandler>();
        return services;
    }

    /// <summary>
    /// A recurring job known in code: <paramref name="cron"/> (see <see cref="CronSchedule"/>, UTC)
    /// under a schedule <paramref name="name"/>, written to the database when workers start.
    /// </summary>
    public static IServiceCollection AddRecurringJob<THandler>(this IServiceCollection services, string name, string cron,
        object? payload = null, int priority = 0)
        where THandler : class, IJobHandler
    {
        var schedule = CronSchedule.Parse(cron);
        var handler = services.Select(d => d.ImplementationInstance).OfType<JobHandlerRegistration>()
            .LastOrDefault(r => r.HandlerType == typeof(THandler))
            ?? throw new InvalidOperationException($"Register {typeof(THandler).Name} with AddJobHandler before scheduling it.");
        services.AddSingleton(new RecurringJobRegistration(name, schedule.Text, handler.Name, JobJson.Serialize(payload), priority));
        return services;
    }
}
