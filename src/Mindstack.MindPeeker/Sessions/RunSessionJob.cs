using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker.Sessions;

/// <summary>
/// Runs a session: <c>pending</c> → <c>processing</c>, the three analysis stages (each recorded
/// in the history and pushed to the session's socket), then <c>completed</c> with the charge
/// settled — <c>credits_used</c> is the held cost scaled by the confidence reached (at least 1),
/// the rest is released — or, when no attempt is left, <c>failed</c> with the whole hold released.
/// A session cancelled meanwhile is left alone (its hold was released by the cancel). A retried
/// attempt redoes the analysis and adds only the stage rows not yet recorded; ledger movements are
/// idempotent by reference. Events: <c>session.completed</c> + <c>analysis.ready</c>, or
/// <c>session.failed</c>, in the transaction that finishes the session. The socket's frames
/// (<c>session.started</c>, each <c>analysis.stage</c>, the outcome) are outbox events too, each
/// written with the change it announces, so they reach the socket once that commits and in order.
/// </summary>
internal sealed class RunSessionJob(
    MindstackDbContext db,
    SessionAnalyzer analyzer,
    ICreditLedger ledger,
    IEventOutbox events,
    IIdGenerator ids,
    MindPeekerDialect dialect,
    TimeProvider clock) : JobHandler<RunSessionJob.Payload>
{
    public const string Name = "mindpeeker.session.run";

    public sealed record Payload(string SessionId);

    public override async Task ExecuteAsync(Payload payload, JobContext job, CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(payload.SessionId, cancellationToken);
        }
        catch (Exception exception) when ((job.IsLastAttempt || exception is PermanentJobFailureException)
            && exception is not OperationCanceledException)
        {
            db.ChangeTracker.Clear();
            await FailAsync(payload.SessionId, exception is Problem problem ? problem.Message : "Session processing failed", cancellationToken);
        }
    }

    private async Task RunAsync(string sessionId, CancellationToken cancellationToken)
    {
        var current = await db.Set<PeekSession>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, cancellationToken);
        if (current is null || current.IsFinished)
        {
            return;
        }
        // The start, each stage and their frames are written with the next commit: with a fast engine
        // the whole run is one write transaction (it was five), while a slow one commits its progress
        // once ProgressEvery has passed, so the history and the socket still advance stage by stage.
        // The start time the frame carries is the one the start's commit writes.
        DateTime? starting = current.Status == SessionStatus.Pending ? clock.GetUtcNow().UtcDateTime : null;
        if (starting is { } now)
        {
            current.Status = SessionStatus.Processing;
            current.StartedAt = now;
            events.Publish(SessionFrames.ToSocket(current, SessionFrames.Started, new { SessionId = current.Id, current.Status, current.StartedAt },
                dialect, now));
        }
        var lastCommit = clock.GetTimestamp();

        var reading = new SessionReading();
        var recorded = await db.Set<AnalysisStage>().AsNoTracking().Where(s => s.SessionId == sessionId).ToListAsync(cancellationToken);
        double confidence = 0;
        for (var sequence = 1; sequence <= Stages.All.Count; sequence++)
        {
            if (clock.GetElapsedTime(lastCommit) >= ProgressEvery)
            {
                if (!await CommitProgressAsync(sessionId, starting, cancellationToken))
                {
                    return;
                }
                starting = null;
                lastCommit = clock.GetTimestamp();
                // Read again after a commit: a cancel or an update of the parameters may have landed meanwhile.
                current = await db.Set<PeekSession>().AsNoTracking().FirstAsync(s => s.Id == sessionId, cancellationToken);
                if (current.Status != SessionStatus.Processing)
                {
                    return;
                }
            }
            var parameters = SessionRules.ReadParameters(current);
            var outcome = Stages.All[sequence - 1] switch
            {
                Stages.InitialProcessing => await analyzer.InitialAsync(current, reading, cancellationToken),
                Stages.DeepAnalysis => await analyzer.DeepAsync(current, parameters, reading, confidence, cancellationToken),
                _ => await analyzer.FinalAsync(current, reading, confidence, cancellationToken),
            };
            confidence = outcome.Confidence;
            if (!recorded.Any(r => r.Sequence == sequence))
            {
                var row = new AnalysisStage
                {
                    Id = ids.New("stage"),
                    SessionId = sessionId,
                    Sequence = sequence,
                    Stage = outcome.Stage,
                    Confidence = outcome.Confidence,
                    Notes = outcome.Notes,
                    Timestamp = clock.GetUtcNow().UtcDateTime,
                };
                db.Add(row);
                events.Publish(SessionFrames.ToSocket(current, SessionFrames.Stage, SessionFrames.StageData(row, Stages.All.Count), dialect,
                    row.Timestamp));
            }
        }

        await CompleteAsync(sessionId, starting, reading, confidence, cancellationToken);
    }

    /// <summary>How long a run's progress may wait for the next commit.</summary>
    internal static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(200);

    /// <summary>Commits the progress so far; false (nothing written) when the session was no longer pending to start.</summary>
    private async Task<bool> CommitProgressAsync(string sessionId, DateTime? starting, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (starting is { } startedAt && !await StartAsync(sessionId, startedAt, cancellationToken))
        {
            return false;
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>pending → processing, in the caller's transaction; false when it was cancelled (or started) meanwhile.</summary>
    private async Task<bool> StartAsync(string sessionId, DateTime startedAt, CancellationToken cancellationToken)
    {
        var started = await db.Set<PeekSession>().Where(s => s.Id == sessionId && s.Status == SessionStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, SessionStatus.Processing).SetProperty(x => x.StartedAt, startedAt), cancellationToken);
        if (started == 0)
        {
            db.ChangeTracker.Clear();
            return false;
        }
        return true;
    }

    private async Task CompleteAsync(string sessionId, DateTime? starting, SessionReading reading, double confidence, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (starting is { } startedAt && !await StartAsync(sessionId, startedAt, cancellationToken))
        {
            return;
        }
        // The progress not yet committed goes first: its frames come before the outcome's.
        await db.SaveChangesAsync(cancellationToken);
        var session = await db.Set<PeekSession>().FirstAsync(s => s.Id == sessionId, cancellationToken);
        if (session.Status != SessionStatus.Processing)
        {
            return;
        }
        var parameters = SessionRules.ReadParameters(session);
        var below = confidence < session.ConfidenceThreshold;
        var used = Math.Clamp((long)Math.Round(session.CreditsRequired * confidence, MidpointRounding.AwayFromZero), 1, session.CreditsRequired);
        var now = clock.GetUtcNow().UtcDateTime;
        var analysisId = ids.New("analysis");
        var results = SessionAnalyzer.Results(reading, parameters, confidence, below).ToJsonString();
        var changed = await db.Set<PeekSession>().Where(s => s.Id == sessionId && s.Status == SessionStatus.Processing)
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Status, SessionStatus.Completed)
                .SetProperty(x => x.CompletedAt, now)
                .SetProperty(x => x.ConfidenceScore, confidence)
                .SetProperty(x => x.BelowThreshold, below)
                .SetProperty(x => x.AnalysisId, analysisId)
                .SetProperty(x => x.ResultsJson, results)
                .SetProperty(x => x.ModelVersion, SessionTypes.ModelVersion(session.SessionType))
                .SetProperty(x => x.DataPointsAnalyzed, reading.DataPoints)
                .SetProperty(x => x.CreditsUsed, used)
                .SetProperty(x => x.CreditsRefunded, session.CreditsRequired - used), cancellationToken);
        if (changed == 0)
        {
            return;
        }
        if (session.HoldId is { } holdId)
        {
            await ledger.SettleAsync(holdId, used, $"mindpeeker:session:{sessionId}:settle",
                $"{session.SessionType} session {sessionId}: {used} of {session.CreditsRequired} credits", cancellationToken);
        }
        db.ChangeTracker.Clear();
        var done = await db.Set<PeekSession>().AsNoTracking().FirstAsync(s => s.Id == sessionId, cancellationToken);
        var completed = SessionFrames.CompletedData(done);
        Publish(done, SessionEvents.Completed, completed, toSocket: true);
        Publish(done, SessionEvents.AnalysisReady, new
        {
            SessionId = done.Id,
            done.AnalysisId,
            done.ConfidenceScore,
            BelowConfidenceThreshold = done.BelowThreshold,
            Summary = reading.Summary,
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task FailAsync(string sessionId, string reason, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var session = await db.Set<PeekSession>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, cancellationToken);
        if (session is null)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        reason = reason.Length > 1000 ? reason[..1000] : reason;
        var changed = await db.Set<PeekSession>()
            .Where(s => s.Id == sessionId && (s.Status == SessionStatus.Pending || s.Status == SessionStatus.Processing))
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Status, SessionStatus.Failed)
                .SetProperty(x => x.CompletedAt, now)
                .SetProperty(x => x.FailureReason, reason)
                .SetProperty(x => x.CreditsUsed, 0L)
                .SetProperty(x => x.CreditsRefunded, session.CreditsRequired), cancellationToken);
        if (changed == 0)
        {
            return;
        }
        if (session.HoldId is { } holdId)
        {
            await ledger.ReleaseAsync(holdId, $"mindpeeker:session:{sessionId}:fail", "Session failed", cancellationToken);
        }
        var failed = await db.Set<PeekSession>().AsNoTracking().FirstAsync(s => s.Id == sessionId, cancellationToken);
        var data = new
        {
            SessionId = failed.Id,
            failed.Status,
            failed.SessionType,
            Error = new { Code = "AI_MODEL_ERROR", Message = reason },
            CreditsRefunded = failed.CreditsRefunded,
            failed.CompletedAt,
        };
        Publish(failed, SessionEvents.Failed, data, toSocket: true);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>A domain event of the session (webhooks, the account's channel); the outcome goes to the session's socket too.</summary>
    private void Publish(PeekSession session, string type, object data, bool toSocket = false) =>
        events.Publish(new NewEvent(type, "session", session.Id)
        {
            AccountId = session.AccountId,
            Api = dialect.Name,
            Data = data,
            Json = dialect.Json,
            OccurredAt = clock.GetUtcNow().UtcDateTime,
            Channels = toSocket ? [SessionFrames.Channel(session.Id)] : null,
        });
}

/// <summary>The domain events a session raises (also the webhook event names).</summary>
internal static class SessionEvents
{
    public const string Completed = "session.completed";
    public const string Failed = "session.failed";
    public const string AnalysisReady = "analysis.ready";
    public const string PaymentSucceeded = "billing.payment_succeeded";

    public static readonly IReadOnlyList<string> All = [Completed, Failed, AnalysisReady, PaymentSucceeded];
}

/// <summary>The session socket's channel and frames (<c>{type, data}</c>).</summary>
internal static class SessionFrames
{
    /// <summary>Sent on connecting: the session as it stands, with the stages recorded so far.</summary>
    public const string Status = "session.status";
    public const string Started = "session.started";
    public const string Stage = "analysis.stage";
    public const string Completed = "session.completed";
    public const string Failed = "session.failed";
    public const string Cancelled = "session.cancelled";

    public static string Channel(string sessionId) => $"mindpeeker:session:{sessionId}";

    /// <summary>
    /// A frame for the session's socket alone, carried by the event outbox: written with the change
    /// it announces, it reaches the socket once that commits, in order with the session's other
    /// events, from whichever node. It names no account, so it is no webhook event (not even for a
    /// <c>*</c> subscription) and stays off the account's channel; the socket's channel is joined by
    /// the session's owner only.
    /// </summary>
    public static NewEvent ToSocket(PeekSession session, string type, object data, MindPeekerDialect dialect, DateTime at) =>
        new(type, "session", session.Id)
        {
            Api = dialect.Name,
            Data = data,
            Json = dialect.Json,
            OccurredAt = at,
            Channels = [Channel(session.Id)],
        };

    public static object StageData(AnalysisStage stage, int of) => new
    {
        stage.SessionId,
        stage.Stage,
        Step = stage.Sequence,
        Of = of,
        stage.Confidence,
        stage.Notes,
        stage.Timestamp,
    };

    public static object CompletedData(PeekSession s) => new
    {
        SessionId = s.Id,
        s.Status,
        s.SessionType,
        s.ConfidenceScore,
        BelowConfidenceThreshold = s.BelowThreshold,
        s.AnalysisId,
        s.CreditsRequired,
        s.CreditsUsed,
        s.CreditsRefunded,
        s.CompletedAt,
    };
}
