using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Mindstack.Platform.Ai.OpenAi;

/// <summary>
/// The remote engine's resilience pipeline (Microsoft.Extensions.Http.Resilience): a total timeout,
/// then retries of what is transient (429, 408, 5xx, timeouts, refused connections) waiting what a
/// <c>Retry-After</c> answer asks (at most <see cref="AiOptions.MaxRetryDelay"/>) or an exponential
/// backoff, then a timeout per attempt. The standard handler's rate limiter and circuit breaker are
/// left out on purpose: the same client serves callers' own provider keys, and one caller's rejected
/// or throttled key must not open a breaker for everyone else on that host.
/// </summary>
internal static class AiResilience
{
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, AiOptions options, TimeProvider clock)
    {
        pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.EffectiveTotalTimeout, Name = "ai-total" });
        if (options.MaxRetries > 0)
        {
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                Name = "ai-retry",
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldRetryAfterHeader = false,
                // Retry-After wins, within MaxRetryDelay (the library's own reading would not cap it).
                DelayGenerator = arguments => ValueTask.FromResult(RetryAfter(arguments.Outcome.Result, options, clock)),
            });
        }
        pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.Timeout, Name = "ai-attempt" });
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage? response, AiOptions options, TimeProvider clock)
    {
        var header = response?.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - clock.GetUtcNow() : null);
        if (delay is not { } wait)
        {
            return null;
        }
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > options.MaxRetryDelay ? options.MaxRetryDelay : wait;
    }
}
