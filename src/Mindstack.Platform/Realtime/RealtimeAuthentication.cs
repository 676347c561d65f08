using Microsoft.AspNetCore.Http;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Realtime;

/// <summary>
/// Turns the raw token a realtime client presents into a caller, or refuses it. The default
/// (registered by the accounts area) checks the token with the API's credentials and joins
/// <c>account:{accountId}</c>; a socket may set its own in its options.
/// </summary>
public interface IRealtimeAuthenticator
{
    /// <summary>
    /// Validates <see cref="RealtimeAuthRequest.Token"/> for <see cref="RealtimeAuthRequest.Api"/>.
    /// Returns <see cref="RealtimeAuthResult.Success"/> with the subject and the channels it joins
    /// at once, or <c>RealtimeAuthResult.Refuse</c> with a message safe to show the client.
    /// A missing token arrives as null and must be refused unless the API allows anonymous sockets.
    /// </summary>
    ValueTask<RealtimeAuthResult> AuthenticateAsync(RealtimeAuthRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// What a realtime client presented: the name of the API whose socket it is, its raw token (bearer header, <c>?token=</c>, or Socket.IO's
/// <c>auth.token</c>), and the HTTP request that carried it.
/// </summary>
public sealed record RealtimeAuthRequest(string Api, string? Token, HttpContext HttpContext);

/// <summary>
/// An authenticated realtime subject: its id (an account or user id) and the channels it joins on
/// connecting (e.g. <c>account:user_1</c>). Modules may join more later, after their own checks.
/// </summary>
public sealed record RealtimeCaller(string SubjectId, IReadOnlyList<string> Channels)
{
    /// <summary>Extra facts about the subject (role, username…) for modules' hooks.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
}

/// <summary>The outcome of <see cref="IRealtimeAuthenticator.AuthenticateAsync"/>.</summary>
public sealed class RealtimeAuthResult
{
    private RealtimeAuthResult(RealtimeCaller? caller, string? error, Problem? problem)
    {
        Caller = caller;
        Error = error;
        Problem = problem;
    }

    /// <summary>The caller, when accepted.</summary>
    public RealtimeCaller? Caller { get; }

    /// <summary>Why the token was refused, when refused.</summary>
    public string? Error { get; }

    /// <summary>
    /// The refusal as a Problem, when the authenticator has one (e.g. TokenExpired): the JSON socket
    /// answers it in the API's error shape; Socket.IO sends its code in <c>connect_error</c>'s data.
    /// </summary>
    public Problem? Problem { get; }

    public bool Succeeded => Caller is not null;

    public static RealtimeAuthResult Success(RealtimeCaller caller) => new(caller ?? throw new ArgumentNullException(nameof(caller)), null, null);

    /// <summary>Refuses with a message safe to show the client (answered as Unauthorized).</summary>
    public static RealtimeAuthResult Refuse(string message) => new(null, message, null);

    /// <summary>Refuses with a Problem, rendered by the API's Dialect.</summary>
    public static RealtimeAuthResult Refuse(Problem problem) =>
        new(null, (problem ?? throw new ArgumentNullException(nameof(problem))).Message, problem);
}

/// <summary>The default until an area registers a real authenticator: nobody gets in.</summary>
internal sealed class RefusingRealtimeAuthenticator : IRealtimeAuthenticator
{
    public ValueTask<RealtimeAuthResult> AuthenticateAsync(RealtimeAuthRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(RealtimeAuthResult.Refuse("Realtime authentication is not configured"));
}

/// <summary>Where a realtime client's raw token is read from an HTTP request.</summary>
public static class RealtimeTokens
{
    /// <summary><c>Authorization: Bearer …</c>, else the <c>token</c> query parameter, else null.</summary>
    public static string? FromRequest(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > 7)
        {
            return authorization[7..].Trim();
        }
        var query = request.Query["token"].ToString();
        return string.IsNullOrEmpty(query) ? null : query;
    }
}
