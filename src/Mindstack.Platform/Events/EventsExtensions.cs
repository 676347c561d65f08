using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Events;

public static class EventsExtensions
{
    /// <summary>The event outbox and its dispatcher. Needs <see cref="JobsExtensions.AddMindstackJobs"/> first.</summary>
    public static IServiceCollection AddMindstackEvents(this IServiceCollection services)
    {
        services.AddModelContributor<EventsModel>();
        services.TryAddScoped<IEventOutbox, EventOutbox>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IMetricsSource, EventsMetrics>());
        services.AddHostedService<EventDispatcher>();
        services.AddJobHandler<EventsHousekeeping>(EventsHousekeeping.Name);
        services.AddRecurringJob<EventsHousekeeping>(EventsHousekeeping.Name, "23 * * * *");
        return services;
    }

    /// <summary>Adds an in-process subscriber to every dispatched domain event (see <see cref="IEventSubscriber"/>).</summary>
    public static IServiceCollection AddEventSubscriber<T>(this IServiceCollection services)
        where T : class, IEventSubscriber
    {
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IEventSubscriber, T>());
        return services;
    }
}
