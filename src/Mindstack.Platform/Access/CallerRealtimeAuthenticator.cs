using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Http;
using Mindstack.Platform.Realtime;

namespace Mindstack.Platform.Access;

/// <summary>
/// The default realtime authenticator: the socket's token is checked like a request's credential
/// of its API (<see cref="ICallerAuthenticator.AuthenticateTokenAsync"/> with the API's
/// <see cref="ApiCredentials"/>: a bearer JWT of the API's audience, or an API key of its format),
/// and the caller joins its account's channel <c>account:{accountId}</c>. Without a token the
/// handshake request's own credentials are read (an <c>X-API-Key</c> header, a session cookie).
/// A refusal carries the credential's Problem (Unauthorized, TokenExpired, Forbidden), so the JSON
/// socket answers it in the API's error shape and Socket.IO's <c>connect_error</c> carries its code.
/// </summary>
internal sealed class CallerRealtimeAuthenticator(IServiceScopeFactory scopes, ApiRegistry registry) : IRealtimeAuthenticator
{
    public async ValueTask<RealtimeAuthResult> AuthenticateAsync(RealtimeAuthRequest request, CancellationToken cancellationToken)
    {
        var credentials = CredentialsFor(request);
        if (credentials.Schemes.Count == 0)
        {
            return RealtimeAuthResult.Refuse(Problem.Unauthorized("This API accepts no realtime credentials"));
        }
        // A scope of its own: a socket's request scope lives as long as the socket does.
        await using var scope = scopes.CreateAsyncScope();
        var authenticator = scope.ServiceProvider.GetRequiredService<ICallerAuthenticator>();
        try
        {
            var caller = request.Token is { Length: > 0 } token
                ? await authenticator.AuthenticateTokenAsync(credentials, token, cancellationToken)
                : await authenticator.AuthenticateAsync(request.HttpContext, credentials, cancellationToken);
            if (caller is null)
            {
                return RealtimeAuthResult.Refuse(Problem.Unauthorized("Authentication required"));
            }
            return RealtimeAuthResult.Success(new RealtimeCaller(caller.AccountId, [RealtimeChannels.Account(caller.AccountId)])
            {
                Attributes = Describe(caller),
            });
        }
        catch (Problem problem)
        {
            return RealtimeAuthResult.Refuse(problem);
        }
    }

    /// <summary>The endpoint's own credentials, else those of the API the socket names, else of the API that owns the path.</summary>
    private ApiCredentials CredentialsFor(RealtimeAuthRequest request) =>
        request.HttpContext.GetEndpoint()?.Metadata.GetMetadata<ApiCredentials>()
        ?? registry.Find(request.Api)?.Credentials
        ?? request.HttpContext.Credentials();

    private static Dictionary<string, string> Describe(Caller caller)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["api"] = caller.Api,
            ["role"] = caller.Role,
            ["tier"] = caller.Tier,
            ["method"] = caller.Method.ToString(),
        };
        if (caller.SessionId is { } session)
        {
            attributes["session_id"] = session;
        }
        if (caller.ApiKeyId is { } key)
        {
            attributes["api_key_id"] = key;
            attributes["permissions"] = string.Join(' ', caller.Permissions);
        }
        return attributes;
    }
}
