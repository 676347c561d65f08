using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.MindPeeker.Billing;
using Mindstack.Platform.Access;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Realtime;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker.Sessions;

/// <summary>Sessions: create (holding credits), read, list, update, cancel (releasing held credits), analysis and its history.</summary>
internal static class SessionEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var sessions = api.MapGroup("/sessions");
        sessions.MapPost("", CreateAsync).WithSummary("Create a session; its credits are held until it completes").Idempotent()
            .ProducesEnvelope<SessionCreatedView>(StatusCodes.Status201Created);
        sessions.MapGet("", ListAsync).WithSummary("List the caller's sessions with filters, sorting and paging");
        sessions.MapGet("/{session_id}", GetAsync).WithSummary("A session's details and results").ProducesEnvelope<SessionDetailView>();
        sessions.MapPut("/{session_id}", UpdateAsync).WithSummary("Change a pending or processing session's parameters or metadata")
            .ProducesEnvelope<SessionUpdatedView>();
        sessions.MapDelete("/{session_id}", CancelAsync).WithSummary("Cancel a session and refund its held credits");
        sessions.MapGet("/{session_id}/analysis", AnalysisAsync).WithSummary("A completed session's analysis");
        sessions.MapGet("/{session_id}/analysis/history", HistoryAsync).WithSummary("The recorded analysis stages");
    }

    private static Problem NotFound() => Problem.NotFound("Session does not exist", "SESSION_NOT_FOUND");

    private static async Task<PeekSession> FindAsync(MindstackDbContext db, string accountId, string id, CancellationToken cancellationToken) =>
        await db.Set<PeekSession>().FirstOrDefaultAsync(s => s.Id == id && s.AccountId == accountId, cancellationToken) ?? throw NotFound();

    private static async Task<IResult> CreateAsync(Caller caller, Body<CreateSessionRequest> body, HttpContext http, MindstackDbContext db,
        ICreditLedger ledger, MindPeekerCredits credits, IJobQueue jobs, IOptions<MindPeekerOptions> options, IIdGenerator ids,
        TimeProvider clock, MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var request = body.Value;
        var (cue, type) = SessionRules.ValidateCreate(request);
        var parameters = SessionRules.Merge(new StoredParameters(), request.Parameters);
        var metadata = SessionRules.MergeMetadata("{}", request.Metadata);
        await credits.EnsureMonthlyGrantAsync(caller.AccountId, caller.Tier, cancellationToken);

        var id = ids.New("session");
        var cost = SessionTypes.Cost(type);
        var available = await credits.AvailableAsync(caller.AccountId, cancellationToken);
        if (available < cost)
        {
            throw InsufficientCredits(cost, available);
        }
        var startDelay = TimeSpan.FromMilliseconds(Math.Max(0, options.Value.StartDelayMilliseconds));
        var expected = await ExpectedTimeToCompleteAsync(db, type, startDelay, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;

        // The hold, the session and its job commit together: no session without its charge or its run.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        LedgerMovement hold;
        try
        {
            hold = await ledger.HoldAsync(caller.AccountId, MindPeekerCredits.Currency, cost, $"mindpeeker:session:{id}:hold",
                $"{type} session {id}", cancellationToken);
        }
        catch (Problem problem) when (problem.Kind == ProblemKind.PaymentRequired)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            throw InsufficientCredits(cost, await credits.AvailableAsync(caller.AccountId, cancellationToken));
        }
        var session = new PeekSession
        {
            Id = id,
            AccountId = caller.AccountId,
            Cue = cue,
            SessionType = type,
            Status = SessionStatus.Pending,
            ParametersJson = SessionRules.Write(parameters),
            MetadataJson = metadata,
            ConfidenceThreshold = parameters.ConfidenceThreshold,
            CreditsRequired = cost,
            HoldId = hold.Id,
            CreatedAt = now,
            EstimatedCompletion = now + expected,
        };
        db.Add(session);
        jobs.Enqueue<RunSessionJob>(new RunSessionJob.Payload(id), new JobOptions
        {
            Delay = startDelay > TimeSpan.Zero ? startDelay : null,
            Priority = parameters.Priority switch { "urgent" => 3, "high" => 2, "normal" => 1, _ => 0 },
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return dialect.Ok(SessionViews.Created(session, WebSocketUrl(http, id)), "Session created successfully", StatusCodes.Status201Created);
    }

    /// <summary>
    /// How long sessions of the type took lately from creation to completion (the mean of the last
    /// 20, which already includes the start delay and any wait in the queue), or the start delay
    /// plus 30 seconds before any completed.
    /// </summary>
    private static async Task<TimeSpan> ExpectedTimeToCompleteAsync(MindstackDbContext db, string type, TimeSpan startDelay,
        CancellationToken cancellationToken)
    {
        var recent = await db.Set<PeekSession>().AsNoTracking()
            .Where(s => s.SessionType == type && s.Status == SessionStatus.Completed && s.CompletedAt != null)
            .OrderByDescending(s => s.CompletedAt)
            .Take(20)
            .Select(s => new { s.CreatedAt, s.CompletedAt })
            .ToListAsync(cancellationToken);
        return recent.Count == 0
            ? startDelay + TimeSpan.FromSeconds(30)
            : TimeSpan.FromSeconds(Math.Ceiling(recent.Average(r => Math.Max(0, (r.CompletedAt!.Value - r.CreatedAt).TotalSeconds))));
    }

    private static Problem InsufficientCredits(long required, long available) =>
        new(ProblemKind.PaymentRequired, "User has insufficient credits", "INSUFFICIENT_CREDITS",
            details: new { credits_required = required, credits_available = available });

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

    private static async Task<IResult> ListAsync(Caller caller, string? status, [FromQuery(Name = "session_type")] string? sessionType,
        string? limit, string? offset, [FromQuery(Name = "sort_by")] string? sortBy, string? order, MindstackDbContext db, MindPeekerDialect dialect,
        CancellationToken cancellationToken)
    {
        if (status is not null && !SessionStatus.Listable.Contains(status))
        {
            throw SessionRules.InvalidValue("status", "One of " + string.Join(", ", SessionStatus.Listable));
        }
        if (sessionType is not null && !SessionTypes.All.Contains(sessionType))
        {
            throw SessionRules.InvalidValue("session_type", "One of " + string.Join(", ", SessionTypes.All));
        }
        var take = SessionRules.QueryInt(limit, "limit", 20, 1, 100, "Between 1 and 100");
        var skip = SessionRules.QueryInt(offset, "offset", 0, 0, int.MaxValue, "Zero or more");
        sortBy ??= "created_at";
        order ??= "desc";
        if (order is not ("asc" or "desc"))
        {
            throw SessionRules.InvalidValue("order", "asc or desc");
        }
        var query = db.Set<PeekSession>().AsNoTracking().Where(s => s.AccountId == caller.AccountId);
        if (status is not null)
        {
            query = query.Where(s => s.Status == status);
        }
        if (sessionType is not null)
        {
            query = query.Where(s => s.SessionType == sessionType);
        }
        var desc = order == "desc";
        // Sessions without the value (not completed yet) come last either way: SQLite and PostgreSQL
        // would otherwise disagree on where nulls sort.
        IOrderedQueryable<PeekSession> sorted = sortBy switch
        {
            "created_at" => desc ? query.OrderByDescending(s => s.CreatedAt) : query.OrderBy(s => s.CreatedAt),
            "completed_at" => desc
                ? query.OrderBy(s => s.CompletedAt == null).ThenByDescending(s => s.CompletedAt)
                : query.OrderBy(s => s.CompletedAt == null).ThenBy(s => s.CompletedAt),
            "confidence_score" => desc
                ? query.OrderBy(s => s.ConfidenceScore == null).ThenByDescending(s => s.ConfidenceScore)
                : query.OrderBy(s => s.ConfidenceScore == null).ThenBy(s => s.ConfidenceScore),
            _ => throw SessionRules.InvalidValue("sort_by", "One of created_at, completed_at, confidence_score"),
        };
        sorted = desc ? sorted.ThenByDescending(s => s.Id) : sorted.ThenBy(s => s.Id);
        var total = await query.CountAsync(cancellationToken);
        var page = await sorted.Skip(skip).Take(take).ToListAsync(cancellationToken);
        return dialect.Ok(new
        {
            Sessions = page.Select(SessionViews.Summary),
            Pagination = new { Total = total, Limit = take, Offset = skip, HasMore = skip + page.Count < total },
        });
    }

    private static async Task<IResult> GetAsync(Caller caller, [FromRoute(Name = "session_id")] string sessionId, MindstackDbContext db,
        MindPeekerDialect dialect, CancellationToken cancellationToken) =>
        dialect.Ok(SessionViews.Detail(await FindAsync(db, caller.AccountId, sessionId, cancellationToken)));

    private static async Task<IResult> UpdateAsync(Caller caller, [FromRoute(Name = "session_id")] string sessionId,
        Body<UpdateSessionRequest> body, MindstackDbContext db, MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        // Conditional writes: the change lands only while the session is still pending or
        // processing and still holds what the merge was made from. A run completing meanwhile
        // makes it a 409; another update landing meanwhile makes it merge again onto that one.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var session = await FindAsync(db, caller.AccountId, sessionId, cancellationToken);
            if (session.IsFinished)
            {
                throw Problem.Conflict($"Session is {session.Status} and cannot be modified", "SESSION_ALREADY_COMPLETED");
            }
            var parameters = SessionRules.Merge(SessionRules.ReadParameters(session), body.Value.Parameters);
            var parametersJson = SessionRules.Write(parameters);
            var metadataJson = SessionRules.MergeMetadata(session.MetadataJson, body.Value.Metadata);
            var (oldParameters, oldMetadata) = (session.ParametersJson, session.MetadataJson);
            var changed = await db.Set<PeekSession>()
                .Where(s => s.Id == session.Id && (s.Status == SessionStatus.Pending || s.Status == SessionStatus.Processing)
                    && s.ParametersJson == oldParameters && s.MetadataJson == oldMetadata)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.ParametersJson, parametersJson)
                    .SetProperty(x => x.ConfidenceThreshold, parameters.ConfidenceThreshold)
                    .SetProperty(x => x.MetadataJson, metadataJson), cancellationToken);
            db.ChangeTracker.Clear();
            if (changed == 1)
            {
                session.ParametersJson = parametersJson;
                session.ConfidenceThreshold = parameters.ConfidenceThreshold;
                session.MetadataJson = metadataJson;
                return dialect.Ok(SessionViews.Updated(session), "Session updated successfully");
            }
        }
        throw Problem.Conflict("Session is being changed by other requests; retry shortly");
    }

    private static async Task<IResult> CancelAsync(Caller caller, [FromRoute(Name = "session_id")] string sessionId, MindstackDbContext db,
        ICreditLedger ledger, IRealtimePublisher realtime, TimeProvider clock, MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var session = await FindAsync(db, caller.AccountId, sessionId, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Conditional, so a run finishing at the same moment either completes (and the cancel is a
        // 409) or finds the session cancelled and charges nothing.
        var changed = await db.Set<PeekSession>()
            .Where(s => s.Id == session.Id && (s.Status == SessionStatus.Pending || s.Status == SessionStatus.Processing))
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Status, SessionStatus.Cancelled)
                .SetProperty(x => x.CancelledAt, now)
                .SetProperty(x => x.CreditsUsed, 0L)
                .SetProperty(x => x.CreditsRefunded, session.CreditsRequired), cancellationToken);
        if (changed == 0)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            var status = await db.Set<PeekSession>().Where(s => s.Id == session.Id).Select(s => s.Status).FirstAsync(cancellationToken);
            throw Problem.Conflict($"Session is {status} and cannot be cancelled", "SESSION_ALREADY_COMPLETED");
        }
        long refunded = 0;
        if (session.HoldId is { } holdId)
        {
            var release = await ledger.ReleaseAsync(holdId, $"mindpeeker:session:{session.Id}:cancel", "User cancellation", cancellationToken);
            refunded = Math.Abs(release.Amount);
        }
        await transaction.CommitAsync(cancellationToken);
        try
        {
            await realtime.PublishAsync(SessionFrames.Channel(session.Id), SessionFrames.Cancelled,
                new { SessionId = session.Id, Status = SessionStatus.Cancelled, CreditsRefunded = refunded, CancelledAt = now },
                new RealtimePublishOptions { Json = dialect.Json }, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Best effort: the cancel is done; a socket connecting later is told the status.
        }
        return dialect.Json200(new
        {
            success = true,
            message = "Session cancelled successfully",
            refund = new { credits_refunded = refunded, refund_reason = "User cancellation" },
        });
    }

    private static async Task<IResult> AnalysisAsync(Caller caller, [FromRoute(Name = "session_id")] string sessionId, MindstackDbContext db,
        MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var session = await FindAsync(db, caller.AccountId, sessionId, cancellationToken);
        if (session.Status != SessionStatus.Completed || session.ResultsJson is null)
        {
            throw Problem.NotFound($"The session is {session.Status}; its analysis is ready when it completes", "ANALYSIS_NOT_READY");
        }
        return dialect.Ok(new
        {
            SessionId = session.Id,
            session.AnalysisId,
            session.Status,
            session.CompletedAt,
            session.ConfidenceScore,
            BelowConfidenceThreshold = session.BelowThreshold,
            Results = SessionViews.Json(session.ResultsJson),
            Metadata = new
            {
                AnalysisDuration = session is { StartedAt: { } s, CompletedAt: { } c } ? (long)Math.Round((c - s).TotalSeconds) : 0,
                session.ModelVersion,
                ProcessingNodes = Stages.All.Count,
                session.DataPointsAnalyzed,
            },
        });
    }

    private static async Task<IResult> HistoryAsync(Caller caller, [FromRoute(Name = "session_id")] string sessionId, MindstackDbContext db,
        MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var session = await FindAsync(db, caller.AccountId, sessionId, cancellationToken);
        var stages = await db.Set<AnalysisStage>().AsNoTracking().Where(s => s.SessionId == session.Id).OrderBy(s => s.Sequence)
            .ToListAsync(cancellationToken);
        return dialect.Ok(new { AnalysisHistory = stages.Select(s => new { s.Timestamp, s.Stage, s.Confidence, s.Notes }) });
    }
}
