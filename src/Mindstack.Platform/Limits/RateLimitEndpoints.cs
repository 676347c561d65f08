using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Limits;

public static class RateLimitEndpoints
{
    /// <summary>
    /// Limits the endpoint or route group by <paramref name="policy"/>, counted per key (by
    /// default the client address; pass a selector to key by account or API key — a selector
    /// answering null falls back to the address). Every answer carries the API's rate-limit
    /// headers (<see cref="Dialect.RateLimitHeaders"/>); a refused request gets the API's 429
    /// with <c>Retry-After</c>. Several filters may stack (a group's general limit and an
    /// endpoint's own): each must pass, and the headers describe the tightest.
    /// </summary>
    public static TBuilder RateLimit<TBuilder>(this TBuilder builder, RateLimitPolicy policy, Func<HttpContext, string?>? key = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(policy);
        return builder.RateLimit(_ => policy, key);
    }

    /// <summary>
    /// Limits by a policy chosen per request (e.g. by the caller's tier); a selector answering
    /// null leaves that request unlimited.
    /// </summary>
    public static TBuilder RateLimit<TBuilder>(this TBuilder builder, Func<HttpContext, RateLimitPolicy?> policy,
        Func<HttpContext, string?>? key = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(policy);
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            var services = context.RequestServices;
            if (IsProbe(context) || !services.GetRequiredService<IOptions<LimitsOptions>>().Value.RateLimitsEnabled
                || policy(context) is not { } chosen)
            {
                return await next(invocation);
            }
            var limitKey = key?.Invoke(context) is { Length: > 0 } selected ? selected : ClientAddress.Of(context);
            var limiter = services.GetRequiredService<IRateLimiter>();
            RateLimitDecision decision;
            try
            {
                decision = await limiter.AcquireAsync(chosen, limitKey, context.RequestAborted);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A limit protects the service; it is not worth refusing every request over a
                // counter store that is briefly unreachable.
                services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RateLimitEndpoints))
                    .LogWarning(exception, "Rate limit {Policy} not checked; request let through", chosen.Name);
                return await next(invocation);
            }
            RateLimitHeaders.Announce(context, decision);
            if (!decision.Allowed)
            {
                services.GetRequiredService<LimitsMetrics>().Refused(chosen.Name);
                throw decision.ToProblem();
            }
            return await next(invocation);
        });
        return builder;
    }

    /// <summary>
    /// An API's health and liveness probes (<c>{base}/health</c>, <c>/live</c>, <c>/ready</c>, right
    /// under its mount) are never limited nor counted: an orchestrator polling them must neither
    /// spend a client's budget nor be refused.
    /// </summary>
    internal static bool IsProbe(HttpContext context)
    {
        if (context.GetEndpoint() is not RouteEndpoint { RoutePattern.RawText: { } pattern })
        {
            return false;
        }
        var mount = context.Api()?.Mount.BasePath.Value ?? "";
        var route = pattern.AsSpan().TrimEnd('/');
        if (!route.StartsWith(mount, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var own = route[mount.Length..];
        return own.Equals("/health", StringComparison.OrdinalIgnoreCase)
            || own.Equals("/live", StringComparison.OrdinalIgnoreCase)
            || own.Equals("/ready", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>Writes rate-limit headers in the owning API's style.</summary>
public static class RateLimitHeaders
{
    /// <summary>
    /// Puts the decision's headers on this request's answer, whatever it turns out to be (success,
    /// error or refusal): they are written as the response starts. When several decisions are
    /// announced, a refusal wins, then the one with the fewest requests left.
    /// </summary>
    public static void Announce(HttpContext context, RateLimitDecision decision)
    {
        var announcement = context.Features.Get<Announcement>();
        if (announcement is null)
        {
            announcement = new Announcement();
            context.Features.Set(announcement);
            context.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                if (http.Features.Get<Announcement>()?.Decision is { } chosen)
                {
                    Write(http.Response.Headers, http.Dialect().RateLimitHeaders, chosen);
                }
                return Task.CompletedTask;
            }, context);
        }
        announcement.Offer(decision);
    }

    /// <summary>The headers of one decision in one style.</summary>
    public static void Write(IHeaderDictionary headers, RateLimitHeaderStyle style, RateLimitDecision decision)
    {
        var limit = decision.Limit.ToString(CultureInfo.InvariantCulture);
        var remaining = decision.Remaining.ToString(CultureInfo.InvariantCulture);
        switch (style)
        {
            case RateLimitHeaderStyle.XRateLimit:
                headers["X-RateLimit-Limit"] = limit;
                headers["X-RateLimit-Remaining"] = remaining;
                headers["X-RateLimit-Reset"] = decision.ResetsAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                break;
            case RateLimitHeaderStyle.IetfDraft:
                headers["RateLimit-Limit"] = limit;
                headers["RateLimit-Remaining"] = remaining;
                headers["RateLimit-Reset"] = ((long)decision.ResetsIn.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(style), style, null);
        }
    }

    private sealed class Announcement
    {
        public RateLimitDecision? Decision { get; private set; }

        public void Offer(RateLimitDecision candidate)
        {
            if (Decision is null
                || (!candidate.Allowed && Decision.Allowed)
                || (candidate.Allowed == Decision.Allowed && candidate.Remaining < Decision.Remaining))
            {
                Decision = candidate;
            }
        }
    }
}
