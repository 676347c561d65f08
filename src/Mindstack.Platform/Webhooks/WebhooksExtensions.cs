using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Events;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Webhooks;

public static class WebhooksExtensions
{
    /// <summary>Subscriptions, signed deliveries as jobs, the SSRF guard (<c>Mindstack:Webhooks:*</c>). Needs Jobs and Events first.</summary>
    public static IServiceCollection AddMindstackWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookSettings>().BindConfiguration(WebhookSettings.Section)
            .PostConfigure(settings => settings.ApplyNumericKeys()).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookSettings>, WebhookSettingsValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<WebhookSettings>>().Value);
        services.TryAddSingleton<WebhookTargetGuard>();
        services.TryAddSingleton<WebhookSender>();
        services.AddGuardedHttpClient();
        services.AddModelContributor<WebhooksModel>();
        services.TryAddScoped<IWebhooks, WebhookService>();
        services.AddEventSubscriber<WebhookFanout>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IMetricsSource, WebhooksMetrics>());
        services.AddJobHandler<WebhookDeliveryJob>(WebhookDeliveryJob.Name, o =>
        {
            o.MaxAttempts = WebhookDeliveryJob.RetryDelays.Length + 1;
            o.Backoff = JobBackoff.Schedule(WebhookDeliveryJob.RetryDelays);
            o.Timeout = TimeSpan.FromMinutes(2);
        });
        return services;
    }

    /// <summary>
    /// How an API's webhooks look (signature header, payload shape, in-payload signature), keyed by
    /// the API's Dialect name — the <c>Api</c> its subscriptions and events carry.
    /// </summary>
    public static IServiceCollection AddWebhookApi(this IServiceCollection services, string api, Action<WebhookApiOptions> configure) =>
        services.Configure(api, configure);
}
