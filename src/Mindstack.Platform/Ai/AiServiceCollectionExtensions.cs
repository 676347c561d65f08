using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Ai.Local;
using Mindstack.Platform.Ai.OpenAi;
using Mindstack.Platform.Observability;

namespace Mindstack.Platform.Ai;

public static class AiServiceCollectionExtensions
{
    /// <summary>
    /// The AI engine: <see cref="IAiEngine"/>, <see cref="IAiRouting"/>, the <c>ai_engine</c> health
    /// probe and AI metrics, configured from <c>Mindstack:Ai</c> (<see cref="AiOptions"/>). An invalid
    /// configuration stops the server at start with the reason.
    /// </summary>
    public static IServiceCollection AddMindstackAi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AiOptions>().BindConfiguration(AiOptions.Section)
            .PostConfigure(options => options.ApplyNumericKeys()).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AiOptions>, AiOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        // Timeouts and retries are the resilience handler's (and, between stream chunks, the engine's), not HttpClient's.
        services.TryAddTransient<AiAttempts.CountingHandler>();
        var remote = services.AddHttpClient(AiRouter.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        remote.AddResilienceHandler("mindstack-ai", (pipeline, context) =>
            AiResilience.Configure(pipeline, context.ServiceProvider.GetRequiredService<IOptions<AiOptions>>().Value,
                context.ServiceProvider.GetRequiredService<TimeProvider>()));
        // Inside the resilience handler, so every attempt is counted.
        remote.AddHttpMessageHandler<AiAttempts.CountingHandler>();
        services.AddHttpClient(AiRouter.ProbeClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddSingleton<SentenceEmbedder>();
        services.TryAddSingleton<LocalAiEngine>();
        services.TryAddSingleton<AiRouter>();
        services.TryAddSingleton<IAiRouting>(sp => sp.GetRequiredService<AiRouter>());
        services.TryAddSingleton<AiMetrics>();
        services.TryAddSingleton<IAiEngine, AiEngine>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMetricsSource, AiMetrics>(sp => sp.GetRequiredService<AiMetrics>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealthProbe, AiHealthProbe>());
        return services;
    }
}

/// <summary>Names what is wrong with <c>Mindstack:Ai</c>, so a failed start says why.</summary>
internal sealed class AiOptionsValidator : IValidateOptions<AiOptions>
{
    public ValidateOptionsResult Validate(string? name, AiOptions options) =>
        options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
