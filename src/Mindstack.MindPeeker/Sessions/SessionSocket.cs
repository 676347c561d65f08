using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Realtime;
using Mindstack.Platform.Realtime.Json;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker.Sessions;

/// <summary>
/// <c>/ws/{session_id}</c>: a plain JSON WebSocket for one session of the caller. The credential
/// is the API's own (<c>Authorization: Bearer</c> JWT or <c>?token=</c> JWT/key, or
/// <c>X-API-Key</c>); another account's session is a 404 <c>SESSION_NOT_FOUND</c> before any
/// upgrade. On connecting the client gets <c>session.status</c> (the session with its stages so
/// far), then live frames: <c>session.started</c>, <c>analysis.stage</c> (one per stage),
/// <c>session.completed</c> / <c>session.failed</c> / <c>session.cancelled</c>. Sending
/// <c>{"type":"status"}</c> asks for <c>session.status</c> again; <c>{"type":"ping"}</c> gets a pong.
/// </summary>
internal static class SessionSocket
{
    private const string SessionAttribute = "session_id";

    public static void Map(IEndpointRouteBuilder api)
    {
        var scopes = api.ServiceProvider.GetRequiredService<IServiceScopeFactory>();
        var dialect = api.ServiceProvider.GetRequiredService<MindPeekerDialect>();
        api.MapJsonSocket("/ws/{session_id}", options =>
        {
            options.Authenticator = new Authenticator();
            options.Channels = JoinAsync;
            options.OnConnected = async (connection, ct) => await SendStatusAsync(scopes, dialect, connection, ct);
            options.OnMessage = async (connection, message, ct) =>
            {
                if (message.Type != "status")
                {
                    throw Problem.BadRequest($"Unknown message type '{message.Type}'; send status or ping", "INVALID_REQUEST_BODY");
                }
                await SendStatusAsync(scopes, dialect, connection, ct);
            };
            options.Document = new JsonSocketDocument
            {
                Summary = "The session's WebSocket: its status on connecting, then each stage and the outcome",
                Description = "Upgrade with ?token= (JWT or mpk_ key), Authorization: Bearer or X-API-Key. Frames {type, data}: "
                    + "session.status, session.started, analysis.stage (x3), then session.completed, session.failed or "
                    + "session.cancelled; send {\"type\":\"status\"} for session.status again, {\"type\":\"ping\"} for a pong.",
                TokenDescription = "A JWT or an mpk_ API key (instead of Authorization: Bearer or X-API-Key)",
                Responses = new Dictionary<string, string>
                {
                    ["401"] = "TOKEN_INVALID: no or a bad credential",
                    ["404"] = "SESSION_NOT_FOUND: not a session of the caller",
                    ["429"] = "RATE_LIMIT_EXCEEDED: the handshake is over the tier's rate limit (Retry-After), "
                        + "or the account already has its maximum of open sockets",
                },
            };
        });
    }

    /// <summary>Only the owner of the session joins its channel.</summary>
    private static async ValueTask<IEnumerable<string>> JoinAsync(HttpContext context, RealtimeCaller caller, CancellationToken cancellationToken)
    {
        var sessionId = caller.Attributes.GetValueOrDefault(SessionAttribute) ?? "";
        var db = context.RequestServices.GetRequiredService<MindstackDbContext>();
        var owned = await db.Set<PeekSession>().AnyAsync(s => s.Id == sessionId && s.AccountId == caller.SubjectId, cancellationToken);
        return owned ? [SessionFrames.Channel(sessionId)] : throw Problem.NotFound("Session does not exist", "SESSION_NOT_FOUND");
    }

    private static async Task SendStatusAsync(IServiceScopeFactory scopes, MindPeekerDialect dialect, IRealtimeConnection connection,
        CancellationToken cancellationToken)
    {
        var sessionId = connection.Caller.Attributes.GetValueOrDefault(SessionAttribute) ?? "";
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var session = await db.Set<PeekSession>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, cancellationToken);
        if (session is null)
        {
            return;
        }
        var stages = await db.Set<AnalysisStage>().AsNoTracking().Where(s => s.SessionId == sessionId).OrderBy(s => s.Sequence)
            .ToListAsync(cancellationToken);
        connection.Send(SessionFrames.Status, new
        {
            SessionId = session.Id,
            session.Status,
            session.SessionType,
            session.CreatedAt,
            session.StartedAt,
            session.CompletedAt,
            session.EstimatedCompletion,
            session.ConfidenceScore,
            session.CreditsRequired,
            session.CreditsUsed,
            Stages = stages.Select(s => SessionFrames.StageData(s, Stages.All.Count)),
        }, dialect.Json);
    }

    /// <summary>MindPeeker's own credentials through the platform's caller authentication; a bad credential answers in the API's error shape.</summary>
    private sealed class Authenticator : IRealtimeAuthenticator
    {
        public async ValueTask<RealtimeAuthResult> AuthenticateAsync(RealtimeAuthRequest request, CancellationToken cancellationToken)
        {
            var callers = request.HttpContext.RequestServices.GetRequiredService<ICallerAuthenticator>();
            var caller = request.Token is { } token
                ? await callers.AuthenticateTokenAsync(MindPeekerApi.Credentials, token, cancellationToken)
                : await callers.AuthenticateAsync(request.HttpContext, MindPeekerApi.Credentials, cancellationToken);
            if (caller is null)
            {
                return RealtimeAuthResult.Refuse("Authentication required: a Bearer token, ?token= or X-API-Key");
            }
            var sessionId = request.HttpContext.Request.RouteValues["session_id"]?.ToString() ?? "";
            return RealtimeAuthResult.Success(new RealtimeCaller(caller.AccountId, [])
            {
                // The tier: the handshake counts against the account's tier limit, as its requests do.
                Attributes = new Dictionary<string, string> { [SessionAttribute] = sessionId, ["tier"] = caller.Tier },
            });
        }
    }
}
