using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.MindPeeker.Billing;
using Mindstack.Platform.Access;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker.Sessions;

/// <summary>A cancelled session and what its cancel gave back.</summary>
internal sealed record CancelledSession(PeekSession Session, long CreditsRefunded, DateTime CancelledAt);

/// <summary>One page of the caller's sessions.</summary>
internal sealed record SessionPage(IReadOnlyList<PeekSession> Sessions, int Total, OffsetRequest Window);

/// <summary>
/// A caller's sessions and their rules: create (holding the credits, with its run queued), read,
/// list, update and cancel (releasing what is held). Only the owner sees a session; another
/// account's is <c>SESSION_NOT_FOUND</c>.
/// </summary>
internal sealed class SessionService(
    MindstackDbContext db,
    ICreditLedger ledger,
    MindPeekerCredits credits,
    IJobQueue jobs,
    IEventOutbox events,
    IOptions<MindPeekerOptions> options,
    IIdGenerator ids,
    TimeProvider clock,
    MindPeekerDialect dialect)
{
    private static Problem NotFound() => Problem.NotFound("Session does not exist", "SESSION_NOT_FOUND");

    public async Task<PeekSession> FindAsync(string accountId, string id, CancellationToken cancellationToken) =>
        await db.Set<PeekSession>().FirstOrDefaultAsync(s => s.Id == id && s.AccountId == accountId, cancellationToken) ?? throw NotFound();

    public async Task<PeekSession> CreateAsync(Caller caller, CreateSessionRequest request, CancellationToken cancellationToken)
    {
        var valid = SessionRules.ValidateCreate(request);
        await credits.EnsureMonthlyGrantAsync(caller.AccountId, caller.Tier, cancellationToken);

        var id = ids.New("session");
        var cost = SessionTypes.Cost(valid.Type);
        var available = await credits.AvailableAsync(caller.AccountId, cancellationToken);
        if (available < cost)
        {
            throw InsufficientCredits(cost, available);
        }
        var startDelay = options.Value.StartDelay;
        var expected = await ExpectedTimeToCompleteAsync(valid.Type, startDelay, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;

        // The hold, the session and its job commit together: no session without its charge or its run.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        LedgerMovement hold;
        try
        {
            hold = await ledger.HoldAsync(caller.AccountId, MindPeekerCredits.Currency, cost, $"mindpeeker:session:{id}:hold",
                $"{valid.Type} session {id}", cancellationToken);
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
            Cue = valid.Cue,
            SessionType = valid.Type,
            Status = SessionStatus.Pending,
            ParametersJson = SessionRules.Write(valid.Parameters),
            MetadataJson = valid.MetadataJson,
            ConfidenceThreshold = valid.Parameters.ConfidenceThreshold,
            CreditsRequired = cost,
            HoldId = hold.Id,
            CreatedAt = now,
            EstimatedCompletion = now + expected,
        };
        db.Add(session);
        jobs.Enqueue<RunSessionJob>(new RunSessionJob.Payload(id), new JobOptions
        {
            Delay = startDelay > TimeSpan.Zero ? startDelay : null,
            Priority = valid.Parameters.Priority switch { "urgent" => 3, "high" => 2, "normal" => 1, _ => 0 },
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return session;
    }

    /// <summary>
    /// How long sessions of the type took lately from creation to completion (the mean of the last
    /// 20, which already includes the start delay and any wait in the queue), or the start delay
    /// plus 30 seconds before any completed.
    /// </summary>
    private async Task<TimeSpan> ExpectedTimeToCompleteAsync(string type, TimeSpan startDelay, CancellationToken cancellationToken)
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

    // Compiled once per model: the list in its default order (newest first) and its count, without EF's
    // per-request LINQ work. A null filter drops out of the SQL (EF makes one statement per
    // combination of null parameters). Other orders go through the general path below.
    private static readonly CompiledQuery<Func<MindstackDbContext, string, string?, string?, CancellationToken, Task<int>>> CountFiltered = new(() =>
        EF.CompileAsyncQuery((MindstackDbContext db, string accountId, string? status, string? sessionType, CancellationToken _) =>
            db.Set<PeekSession>().Count(s => s.AccountId == accountId
                && (status == null || s.Status == status) && (sessionType == null || s.SessionType == sessionType))));

    private static readonly CompiledQuery<Func<MindstackDbContext, string, string?, string?, int, int, IAsyncEnumerable<PeekSession>>> NewestFirst = new(() =>
        EF.CompileAsyncQuery((MindstackDbContext db, string accountId, string? status, string? sessionType, int skip, int take) =>
            db.Set<PeekSession>().AsNoTracking()
                .Where(s => s.AccountId == accountId
                    && (status == null || s.Status == status) && (sessionType == null || s.SessionType == sessionType))
                .OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id)
                .Skip(skip).Take(take)));

    public async Task<SessionPage> ListAsync(string accountId, SessionListQuery list, CancellationToken cancellationToken)
    {
        if (list is { SortBy: "created_at", Descending: true })
        {
            // Both statements on one open of the connection (EF would open and close it around each).
            return await db.ReadOnOneOpenAsync((AccountId: accountId, List: list), static async (context, read, ct) =>
            {
                var count = await CountFiltered.For(context)(context, read.AccountId, read.List.Status, read.List.SessionType, ct);
                var sessions = new List<PeekSession>(Math.Min(read.List.Window.Limit, Math.Max(0, count - read.List.Window.Offset)));
                if (read.List.Window.Offset < count)
                {
                    await foreach (var session in NewestFirst.For(context)(context, read.AccountId, read.List.Status, read.List.SessionType, read.List.Window.Offset, read.List.Window.Limit)
                        .WithCancellation(ct))
                    {
                        sessions.Add(session);
                    }
                }
                return new SessionPage(sessions, count, read.List.Window);
            }, cancellationToken);
        }
        var query = db.Set<PeekSession>().AsNoTracking().Where(s => s.AccountId == accountId);
        if (list.Status is { } status)
        {
            query = query.Where(s => s.Status == status);
        }
        if (list.SessionType is { } sessionType)
        {
            query = query.Where(s => s.SessionType == sessionType);
        }
        var desc = list.Descending;
        // Sessions without the value (not completed yet) come last either way: SQLite and PostgreSQL
        // would otherwise disagree on where nulls sort.
        IOrderedQueryable<PeekSession> sorted = list.SortBy switch
        {
            "completed_at" => desc
                ? query.OrderBy(s => s.CompletedAt == null).ThenByDescending(s => s.CompletedAt)
                : query.OrderBy(s => s.CompletedAt == null).ThenBy(s => s.CompletedAt),
            "confidence_score" => desc
                ? query.OrderBy(s => s.ConfidenceScore == null).ThenByDescending(s => s.ConfidenceScore)
                : query.OrderBy(s => s.ConfidenceScore == null).ThenBy(s => s.ConfidenceScore),
            _ => desc ? query.OrderByDescending(s => s.CreatedAt) : query.OrderBy(s => s.CreatedAt),
        };
        sorted = desc ? sorted.ThenByDescending(s => s.Id) : sorted.ThenBy(s => s.Id);
        var total = await query.CountAsync(cancellationToken);
        var page = await sorted.Skip(list.Window.Offset).Take(list.Window.Limit).ToListAsync(cancellationToken);
        return new SessionPage(page, total, list.Window);
    }

    public async Task<PeekSession> UpdateAsync(string accountId, string id, UpdateSessionRequest request, CancellationToken cancellationToken)
    {
        // Conditional writes: the change lands only while the session is still pending or
        // processing and still holds what the merge was made from. A run completing meanwhile
        // makes it a 409; another update landing meanwhile makes it merge again onto that one.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var session = await FindAsync(accountId, id, cancellationToken);
            if (session.IsFinished)
            {
                throw Problem.Conflict($"Session is {session.Status} and cannot be modified", "SESSION_ALREADY_COMPLETED");
            }
            var (parameters, metadataJson) = SessionRules.ValidateUpdate(session, request);
            var parametersJson = SessionRules.Write(parameters);
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
                return session;
            }
        }
        throw Problem.Conflict("Session is being changed by other requests; retry shortly");
    }

    /// <summary>
    /// Cancels a pending or processing session and releases its hold; its socket is told through
    /// the event outbox (<c>session.cancelled</c>), after the session's earlier frames.
    /// </summary>
    public async Task<CancelledSession> CancelAsync(string accountId, string id, CancellationToken cancellationToken)
    {
        var session = await FindAsync(accountId, id, cancellationToken);
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
        events.Publish(SessionFrames.ToSocket(session, SessionFrames.Cancelled,
            new { SessionId = session.Id, Status = SessionStatus.Cancelled, CreditsRefunded = refunded, CancelledAt = now }, dialect, now));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CancelledSession(session, refunded, now);
    }

    /// <summary>A completed session; before it completes its analysis is <c>ANALYSIS_NOT_READY</c>.</summary>
    public async Task<PeekSession> AnalysisAsync(string accountId, string id, CancellationToken cancellationToken)
    {
        var session = await FindAsync(accountId, id, cancellationToken);
        return session.Status != SessionStatus.Completed || session.ResultsJson is null
            ? throw Problem.NotFound($"The session is {session.Status}; its analysis is ready when it completes", "ANALYSIS_NOT_READY")
            : session;
    }

    /// <summary>The session's recorded analysis stages, in order.</summary>
    public async Task<IReadOnlyList<AnalysisStage>> HistoryAsync(string accountId, string id, CancellationToken cancellationToken)
    {
        var session = await FindAsync(accountId, id, cancellationToken);
        return await db.Set<AnalysisStage>().AsNoTracking().Where(s => s.SessionId == session.Id).OrderBy(s => s.Sequence)
            .ToListAsync(cancellationToken);
    }
}
