using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Jobs;

/// <summary>A job a worker holds: its lease is (<see cref="Owner"/>, <see cref="Attempt"/>).</summary>
internal sealed record ClaimedJob(string Id, string Type, string Payload, int Attempt, int MaxAttempts, string Owner)
{
    /// <summary>The trace context the job was enqueued under, if any.</summary>
    public string? Traceparent { get; init; }
}

/// <summary>
/// The queue's state changes. Every change to a claimed job is conditional on the lease it was
/// claimed with (state running, the same owner and attempt), so a worker whose lease expired and
/// was taken over can no longer touch the job. On PostgreSQL a claim skips rows other nodes are
/// claiming (<c>FOR UPDATE SKIP LOCKED</c>); on SQLite the claim is one short write statement and
/// SQLite's single writer serializes claims.
/// </summary>
internal sealed class JobStore(MindstackDbContext db, JobsSettings settings, TimeProvider clock)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Claims the most urgent due job of one of <paramref name="types"/>, or returns null.</summary>
    public async Task<ClaimedJob?> ClaimAsync(IReadOnlyList<string> types, CancellationToken cancellationToken) =>
        (await ClaimBatchAsync(types, 1, cancellationToken)).SingleOrDefault();

    /// <summary>
    /// Claims up to <paramref name="limit"/> of the most urgent due jobs of <paramref name="types"/>
    /// in one statement (one round trip, one write transaction), most urgent first.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedJob>> ClaimBatchAsync(IReadOnlyList<string> types, int limit, CancellationToken cancellationToken)
    {
        var now = Now;
        var parameters = new Dictionary<string, object?>
        {
            ["owner"] = settings.NodeId,
            ["until"] = now + settings.Lease,
            ["now"] = now,
            ["limit"] = Math.Max(1, limit),
        };
        var typeList = SqlCommands.InList("type", types, parameters);
        const string set = "SET state = 'running', lease_owner = @owner, lease_expires_at = @until, attempts = attempts + 1, started_at = @now";
        var due = $"""
            SELECT id FROM jobs_queue
            WHERE state = 'pending' AND run_at <= @now AND type IN ({typeList})
            ORDER BY priority DESC, run_at, id
            LIMIT @limit
            """;
        var q = db.Provider == DatabaseProvider.Postgres ? "jobs_queue." : "";
        var returning = $"RETURNING {q}id, {q}type, {q}payload, {q}attempts, {q}max_attempts, {q}priority, {q}run_at, {q}traceparent";
        // PostgreSQL: the locked pick is materialized once. As an IN (…) subquery the planner may
        // run it again per row, and with SKIP LOCKED each run picks other rows (more than the limit).
        // The outer state check matters there too: a row another node committed meanwhile is
        // re-read under READ COMMITTED and must no longer match. SQLite has one writer.
        var sql = db.Provider == DatabaseProvider.Postgres
            ? $"""
                WITH picked AS MATERIALIZED ({due} FOR UPDATE SKIP LOCKED)
                UPDATE jobs_queue {set}
                FROM picked WHERE jobs_queue.id = picked.id AND jobs_queue.state = 'pending'
                {returning}
                """
            : $"""
                UPDATE jobs_queue {set}
                WHERE id IN ({due}) AND state = 'pending'
                {returning}
                """;
        var rows = await db.QueryAsync(sql, parameters, r => (
            Job: new ClaimedJob(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), settings.NodeId)
            {
                Traceparent = r.IsDBNull(7) ? null : r.GetString(7),
            },
            Priority: r.GetInt32(5),
            RunAt: r.GetDateTime(6)), cancellationToken);
        // RETURNING keeps no order: put the most urgent first again.
        return [.. rows.OrderByDescending(r => r.Priority).ThenBy(r => r.RunAt).ThenBy(r => r.Job.Id, StringComparer.Ordinal).Select(r => r.Job)];
    }

    /// <summary>Extends a running job's lease; false when the lease is no longer this worker's.</summary>
    public async Task<bool> RenewAsync(ClaimedJob job, CancellationToken cancellationToken) =>
        await db.ExecuteAsync(
            "UPDATE jobs_queue SET lease_expires_at = @until WHERE " + HeldBy,
            Held(job, new() { ["until"] = Now + settings.Lease }),
            cancellationToken) == 1;

    /// <summary>
    /// Marks the job done, saving in the same transaction whatever the handler left unsaved in this
    /// scope's context. False (and nothing saved) when the lease was lost.
    /// </summary>
    public async Task<bool> CompleteAsync(ClaimedJob job, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        var updated = await db.ExecuteAsync(
            "UPDATE jobs_queue SET state = 'done', completed_at = @now, lease_expires_at = NULL WHERE " + HeldBy,
            Held(job, new() { ["now"] = Now }),
            cancellationToken);
        if (updated != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Marks several jobs done in one statement, for handlers that left nothing unsaved; returns
    /// the ids whose lease was still this worker's (the others were taken over and are untouched).
    /// </summary>
    public async Task<IReadOnlySet<string>> CompleteBatchAsync(IReadOnlyList<ClaimedJob> jobs, CancellationToken cancellationToken)
    {
        if (jobs.Count == 0)
        {
            return new HashSet<string>();
        }
        var parameters = new Dictionary<string, object?> { ["now"] = Now };
        var held = new List<string>(jobs.Count);
        for (var i = 0; i < jobs.Count; i++)
        {
            var n = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameters["id" + n] = jobs[i].Id;
            parameters["owner" + n] = jobs[i].Owner;
            parameters["attempt" + n] = jobs[i].Attempt;
            held.Add($"(id = @id{n} AND lease_owner = @owner{n} AND attempts = @attempt{n})");
        }
        var sql = $"""
            UPDATE jobs_queue SET state = 'done', completed_at = @now, lease_expires_at = NULL
            WHERE state = 'running' AND ({string.Join(" OR ", held)})
            RETURNING id
            """;
        var done = await db.QueryAsync(sql, parameters, r => r.GetString(0), cancellationToken);
        return done.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Records a failed attempt: pending again at <paramref name="retryAt"/>, or dead when that is null.</summary>
    public async Task<bool> FailAsync(ClaimedJob job, string error, DateTime? retryAt, CancellationToken cancellationToken)
    {
        var now = Now;
        var parameters = Held(job, new()
        {
            ["state"] = retryAt is null ? JobStates.Dead : JobStates.Pending,
            ["run_at"] = retryAt ?? now,
            ["error"] = Truncate(error, 4000),
            ["completed_at"] = retryAt is null ? now : null,
        });
        return await db.ExecuteAsync(
            """
            UPDATE jobs_queue SET state = @state, run_at = @run_at, last_error = @error, lease_expires_at = NULL, completed_at = @completed_at
            WHERE
            """ + " " + HeldBy,
            parameters,
            cancellationToken) == 1;
    }

    /// <summary>Hands an unfinished job back at shutdown: pending now, and this attempt is not counted.</summary>
    public async Task<bool> ReleaseAsync(ClaimedJob job, CancellationToken cancellationToken) =>
        await db.ExecuteAsync(
            """
            UPDATE jobs_queue SET state = 'pending', attempts = attempts - 1, run_at = @now, lease_owner = NULL, lease_expires_at = NULL
            WHERE
            """ + " " + HeldBy,
            Held(job, new() { ["now"] = Now }),
            cancellationToken) == 1;

    /// <summary>
    /// Takes back jobs whose lease expired (their node died or stalled): pending again at once, or
    /// dead if that was their last attempt. Any node may do this.
    /// </summary>
    public Task<int> ReclaimExpiredAsync(CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            """
            UPDATE jobs_queue
            SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
                completed_at = CASE WHEN attempts >= max_attempts THEN @now ELSE NULL END,
                last_error = 'lease expired on node ' || COALESCE(lease_owner, '?'),
                run_at = @now,
                lease_expires_at = NULL
            WHERE state = 'running' AND lease_expires_at < @now
            """,
            new Dictionary<string, object?> { ["now"] = Now },
            cancellationToken);

    /// <summary>Deletes finished jobs older than the retention (dead ones stay for operators).</summary>
    public Task<int> PurgeFinishedAsync(CancellationToken cancellationToken)
    {
        var before = Now - settings.Retention;
        return db.Set<QueuedJob>()
            .Where(j => j.State == JobState.Done && j.CompletedAt < before)
            .ExecuteDeleteAsync(cancellationToken);
    }

    private const string HeldBy = "id = @id AND state = 'running' AND lease_owner = @owner AND attempts = @attempt";

    private static Dictionary<string, object?> Held(ClaimedJob job, Dictionary<string, object?> parameters)
    {
        parameters["id"] = job.Id;
        parameters["owner"] = job.Owner;
        parameters["attempt"] = job.Attempt;
        return parameters;
    }

    internal static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
