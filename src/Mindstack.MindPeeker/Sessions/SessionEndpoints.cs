using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;

namespace Mindstack.MindPeeker.Sessions;

/// <summary>Sessions: create (holding credits), read, list, update, cancel (releasing held credits), analysis and its history.</summary>
internal static class SessionEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var sessions = api.MapGroup("/sessions");
        sessions.MapPost("", CreateAsync).WithSummary("Create a session; its credits are held until it completes").Idempotent()
            .ProducesEnvelope<SessionCreatedView>(StatusCodes.Status201Created);
        sessions.MapGet("", ListAsync).WithSummary("List the caller's sessions with filters, sorting and paging").ProducesEnvelope<SessionListView>();
        sessions.MapGet("/{session_id}", GetAsync).WithSummary("A session's details and results").ProducesEnvelope<SessionDetailView>();
        sessions.MapPut("/{session_id}", UpdateAsync).WithSummary("Change a pending or processing session's parameters or metadata")
            .ProducesEnvelope<SessionUpdatedView>();
        sessions.MapDelete("/{session_id}", CancelAsync).WithSummary("Cancel a session and refund its held credits").Produces<SessionCancelledView>();
        sessions.MapGet("/{session_id}/analysis", AnalysisAsync).WithSummary("A completed session's analysis").ProducesEnvelope<AnalysisView>();
        sessions.MapGet("/{session_id}/analysis/history", HistoryAsync).WithSummary("The recorded analysis stages")
            .ProducesEnvelope<AnalysisHistoryView>();
    }

    private static async Task<IResult> CreateAsync(Caller caller, Body<CreateSessionRequest> body, HttpContext http, SessionService sessions,
        MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var session = await sessions.CreateAsync(caller, body.Value, cancellationToken);
        return dialect.Ok(SessionViews.Created(session, WebSocketUrl(http, session.Id)), "Session created successfully", StatusCodes.Status201Created);
    }

    /// <summary>The session's socket on the host and base path the client used.</summary>
    private static string WebSocketUrl(HttpContext http, string sessionId)
    {
        var scheme = http.Request.IsHttps ? "wss" : "ws";
        return $"{scheme}://{http.Request.Host}{http.Request.PathBase}{ApiBase(http)}/ws/{sessionId}";
    }

    private static string ApiBase(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        var at = path.LastIndexOf("/sessions", StringComparison.Ordinal);
        return at < 0 ? "" : path[..at];
    }

    private static async Task<IResult> ListAsync(Caller caller, [AsParameters] SessionListParameters query, SessionService sessions,
        MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var page = await sessions.ListAsync(caller.AccountId, SessionRules.ValidateList(query), cancellationToken);
        var (take, skip) = (page.Window.Limit, page.Window.Offset);
        return dialect.Ok(new SessionListView(page.Sessions.Select(SessionViews.Summary),
            new SessionPaginationView(page.Total, take, skip, skip + page.Sessions.Count < page.Total)));
    }

    private static async Task<IResult> GetAsync(Caller caller, [FromRoute(Name = "session_id")] string sessionId, SessionService sessions,
        MindPeekerDialect dialect, CancellationToken cancellationToken) =>
        dialect.Ok(SessionViews.Detail(await sessions.FindAsync(caller.AccountId, sessionId, cancellationToken)));

    private static async Task<IResult> UpdateAsync(Caller caller, [FromRoute(Name = "session_id")] string sessionId,
        Body<UpdateSessionRequest> body, SessionService sessions, MindPeekerDialect dialect, CancellationToken cancellationToken) =>
        dialect.Ok(SessionViews.Updated(await sessions.UpdateAsync(caller.AccountId, sessionId, body.Value, cancellationToken)),
            "Session updated successfully");

    private static async Task<IResult> CancelAsync(Caller caller, [FromRoute(Name = "session_id")] string sessionId, SessionService sessions,
        MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var cancelled = await sessions.CancelAsync(caller.AccountId, sessionId, cancellationToken);
        return dialect.Json200(new SessionCancelledView(true, "Session cancelled successfully", new RefundView(cancelled.CreditsRefunded, "User cancellation")));
    }

    private static async Task<IResult> AnalysisAsync(Caller caller, [FromRoute(Name = "session_id")] string sessionId, SessionService sessions,
        MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var session = await sessions.AnalysisAsync(caller.AccountId, sessionId, cancellationToken);
        return dialect.Ok(new AnalysisView(session.Id, session.AnalysisId, session.Status, session.CompletedAt, session.ConfidenceScore,
            session.BelowThreshold, SessionViews.Json(session.ResultsJson),
            new AnalysisMetadataView(
                session is { StartedAt: { } s, CompletedAt: { } c } ? (long)Math.Round((c - s).TotalSeconds) : 0,
                session.ModelVersion,
                Stages.All.Count,
                session.DataPointsAnalyzed)));
    }

    private static async Task<IResult> HistoryAsync(Caller caller, [FromRoute(Name = "session_id")] string sessionId, SessionService sessions,
        MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var stages = await sessions.HistoryAsync(caller.AccountId, sessionId, cancellationToken);
        return dialect.Ok(new AnalysisHistoryView(stages.Select(s => new AnalysisStageView(s.Timestamp, s.Stage, s.Confidence, s.Notes))));
    }
}
