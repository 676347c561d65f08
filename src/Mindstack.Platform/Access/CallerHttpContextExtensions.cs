using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Access;

/// <summary>The request's caller, resolved once (on first use) from the credentials its API reads.</summary>
public static class CallerHttpContextExtensions
{
    private sealed class CallerFeature
    {
        public Task<Caller?>? Resolution { get; set; }
    }

    /// <summary>
    /// The caller, or null when the request carries no credential the API reads. A present but
    /// bad credential throws the Problem (every later call throws it again). The credentials are
    /// the endpoint's (<c>WithCredentials</c>) or else the API definition's.
    /// </summary>
    public static Task<Caller?> GetCallerAsync(this HttpContext context)
    {
        var feature = context.Features.Get<CallerFeature>();
        if (feature is null)
        {
            feature = new CallerFeature();
            context.Features.Set(feature);
        }
        return feature.Resolution ??= ResolveAsync(context);
    }

    /// <summary>
    /// The caller, or null when there is none or its credential is bad (for code that only wants
    /// to know who is calling if anyone, such as a rate limiter keying by account or key; the
    /// endpoint's own <c>RequireCaller</c> still refuses the bad credential).
    /// </summary>
    public static async Task<Caller?> TryGetCallerAsync(this HttpContext context)
    {
        try
        {
            return await context.GetCallerAsync();
        }
        catch (Problem)
        {
            return null;
        }
    }

    /// <summary>The caller, or an Unauthorized problem when there is none.</summary>
    public static async Task<Caller> RequireCallerAsync(this HttpContext context) =>
        await context.GetCallerAsync() ?? throw Problem.Unauthorized("Authentication required");

    /// <summary>The caller if it has already been resolved successfully; never resolves.</summary>
    public static Caller? PeekCaller(this HttpContext context) =>
        context.Features.Get<CallerFeature>()?.Resolution is { IsCompletedSuccessfully: true } done ? done.Result : null;

    /// <summary>The credentials that apply to this request: the endpoint's, else its API's, else none.</summary>
    public static ApiCredentials Credentials(this HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<ApiCredentials>() ?? context.Api()?.Definition.Credentials ?? ApiCredentials.None;

    private static Task<Caller?> ResolveAsync(HttpContext context)
    {
        var credentials = context.Credentials();
        if (credentials.Schemes.Count == 0)
        {
            return Task.FromResult<Caller?>(null);
        }
        var authenticator = context.RequestServices.GetRequiredService<ICallerAuthenticator>();
        return authenticator.AuthenticateAsync(context, credentials, context.RequestAborted);
    }
}
