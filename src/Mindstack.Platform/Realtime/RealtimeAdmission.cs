using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Realtime.Backplane;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Realtime;

/// <summary>
/// What every realtime handshake passes once its caller is known (a JSON socket before the
/// upgrade, a Socket.IO namespace on CONNECT): it counts against the caller's rate limit, and it
/// takes one of the account's connection slots for that API
/// (<see cref="RealtimeOptions.MaxConnectionsPerAccount"/>). Both refusals are
/// <see cref="ProblemKind.RateLimited"/> problems, which the API's Dialect renders as its 429.
/// </summary>
internal sealed class RealtimeAdmission(
    IOptions<RealtimeOptions> realtime,
    IOptions<LimitsOptions> limits,
    IRateLimiter limiter,
    ApiRegistry registry,
    IRealtimeSlots slots,
    LimitsMetrics limitsMetrics,
    RealtimeMetrics metrics,
    ILogger<RealtimeAdmission> logger)
{
    /// <summary>
    /// Admits the handshake or throws the refusal. <paramref name="announce"/> puts the API's
    /// rate-limit headers on the handshake's HTTP answer (not possible once a WebSocket is open).
    /// Dispose the returned slot when the connection ends.
    /// </summary>
    public async ValueTask<RealtimeSlot> AdmitAsync(HttpContext context, string api, RealtimeCaller caller, string connectionId,
        bool announce, CancellationToken cancellationToken)
    {
        await CountHandshakeAsync(context, api, caller, announce, cancellationToken);
        var cap = realtime.Value.MaxConnectionsPerAccount;
        if (cap <= 0)
        {
            return RealtimeSlot.Unlimited;
        }
        if (!await slots.TryAcquireAsync(api, caller.SubjectId, connectionId, cap, cancellationToken))
        {
            metrics.ConnectionRefused("connection-cap");
            throw new Problem(ProblemKind.RateLimited,
                $"Too many open realtime connections: at most {cap.ToString(CultureInfo.InvariantCulture)} per account; close one first",
                details: new { Limit = cap });
        }
        return new RealtimeSlot(slots, connectionId);
    }

    /// <summary>The API's policy for the caller's tier when it has tiers (the counter its requests use), else a per-account handshake limit.</summary>
    internal RateLimitPolicy PolicyFor(string api, RealtimeCaller caller)
    {
        if (registry.Find(api)?.Tiers is { } tiers)
        {
            return tiers.Of(caller.Attributes.GetValueOrDefault("tier")).Limits;
        }
        return new RateLimitPolicy(api + ".realtime", [RateLimitWindow.PerMinute(Math.Max(1, realtime.Value.HandshakesPerMinute))],
            "Too many realtime connection attempts; retry later");
    }

    private async ValueTask CountHandshakeAsync(HttpContext context, string api, RealtimeCaller caller, bool announce,
        CancellationToken cancellationToken)
    {
        if (!limits.Value.RateLimitsEnabled)
        {
            return;
        }
        var policy = PolicyFor(api, caller);
        RateLimitDecision decision;
        try
        {
            decision = await limiter.AcquireAsync(policy, caller.SubjectId, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // As for requests: a briefly unreachable counter store does not close the door.
            logger.LogWarning(exception, "Rate limit {Policy} not checked for a realtime handshake; let through", policy.Name);
            return;
        }
        if (announce && !context.Response.HasStarted)
        {
            RateLimitHeaders.Announce(context, decision);
        }
        if (!decision.Allowed)
        {
            limitsMetrics.Refused(policy.Name);
            metrics.ConnectionRefused("rate-limit");
            throw decision.ToProblem();
        }
    }
}

/// <summary>One connection's slot; disposing it (once) frees the slot.</summary>
internal sealed class RealtimeSlot(IRealtimeSlots? slots, string connectionId) : IDisposable
{
    private int _released;

    public static RealtimeSlot Unlimited { get; } = new(null, "");

    public void Dispose()
    {
        if (slots is not null && Interlocked.Exchange(ref _released, 1) == 0)
        {
            slots.Release(connectionId);
        }
    }
}

/// <summary>Open realtime connections per API and account.</summary>
internal interface IRealtimeSlots
{
    /// <summary>Takes a slot for the connection when the account has fewer than <paramref name="cap"/> open on that API.</summary>
    ValueTask<bool> TryAcquireAsync(string api, string accountId, string connectionId, int cap, CancellationToken cancellationToken);

    /// <summary>Frees the connection's slot; never blocks nor throws.</summary>
    void Release(string connectionId);
}

/// <summary>SQLite (one node): the count lives in this process.</summary>
internal sealed class MemoryRealtimeSlots : IRealtimeSlots
{
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _owners = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public ValueTask<bool> TryAcquireAsync(string api, string accountId, string connectionId, int cap, CancellationToken cancellationToken)
    {
        var key = api + "|" + accountId;
        lock (_gate)
        {
            var open = _open.GetValueOrDefault(key);
            if (open >= cap)
            {
                return ValueTask.FromResult(false);
            }
            _open[key] = open + 1;
            _owners[connectionId] = key;
            return ValueTask.FromResult(true);
        }
    }

    public void Release(string connectionId)
    {
        lock (_gate)
        {
            if (_owners.Remove(connectionId, out var key) && _open.TryGetValue(key, out var open))
            {
                if (open <= 1)
                {
                    _open.Remove(key);
                }
                else
                {
                    _open[key] = open - 1;
                }
            }
        }
    }
}

/// <summary>
/// PostgreSQL (many nodes): one row per open connection in <c>realtime_connections</c>, counted
/// under a transaction-scoped advisory lock per API and account, so the cap holds across nodes. A
/// row carries a lease that its node renews while the connection is open
/// (<see cref="RealtimeSlotLeaseService"/>); a crashed node's rows stop counting when their leases
/// run out (<see cref="RealtimeOptions.ConnectionLease"/>) and are then purged.
/// </summary>
internal sealed class PostgresRealtimeSlots(
    IServiceScopeFactory scopes,
    RealtimeNode node,
    IOptions<RealtimeOptions> options,
    TimeProvider clock,
    ILogger<PostgresRealtimeSlots> logger) : IRealtimeSlots
{
    private readonly ConcurrentDictionary<string, byte> _held = new(StringComparer.Ordinal);

    private TimeSpan Lease => options.Value.ConnectionLease;

    public async ValueTask<bool> TryAcquireAsync(string api, string accountId, string connectionId, int cap, CancellationToken cancellationToken)
    {
        // Held before the row exists: the lease service never deletes a row this node is still writing.
        _held[connectionId] = 0;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            var now = clock.GetUtcNow().UtcDateTime;
            var until = now + Lease;
            var lockKey = api + "|" + accountId;
            var nodeId = node.Id;
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({lockKey}, 0))", cancellationToken);
            var inserted = await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO realtime_connections (connection_id, api, account_id, node_id, opened_at, lease_until)
                SELECT {connectionId}, {api}, {accountId}, {nodeId}, {now}, {until}
                WHERE (SELECT count(*) FROM realtime_connections
                       WHERE api = {api} AND account_id = {accountId} AND lease_until > {now}) < {cap}
                """, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            if (inserted == 1)
            {
                return true;
            }
            _held.TryRemove(connectionId, out _);
            return false;
        }
        catch
        {
            _held.TryRemove(connectionId, out _);
            throw;
        }
    }

    public void Release(string connectionId)
    {
        if (!_held.TryRemove(connectionId, out _))
        {
            return;
        }
        // Off the caller's thread (a socket closing from a publisher's overflow must not wait); if
        // the delete fails, the lease service deletes the row on its next round.
        _ = Task.Run(async () =>
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
                await db.Database.ExecuteSqlAsync($"DELETE FROM realtime_connections WHERE connection_id = {connectionId}");
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Realtime connection slot {ConnectionId} not released now; the lease service will", connectionId);
            }
        });
    }

    /// <summary>Renews this node's open connections, drops its rows of closed ones, and purges expired rows of any node.</summary>
    public async Task MaintainAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + Lease;
        var nodeId = node.Id;
        var held = _held.Keys.ToArray();
        await db.Database.ExecuteSqlAsync(
            $"UPDATE realtime_connections SET lease_until = {until} WHERE node_id = {nodeId} AND connection_id = ANY({held})",
            cancellationToken);
        await db.Database.ExecuteSqlAsync(
            $"DELETE FROM realtime_connections WHERE node_id = {nodeId} AND NOT (connection_id = ANY({held}))",
            cancellationToken);
        await db.Database.ExecuteSqlAsync($"DELETE FROM realtime_connections WHERE lease_until < {now}", cancellationToken);
    }
}

/// <summary>Keeps this node's connection rows alive (PostgreSQL only).</summary>
internal sealed class RealtimeSlotLeaseService(IRealtimeSlots slots, IOptions<RealtimeOptions> options, TimeProvider clock,
    ILogger<RealtimeSlotLeaseService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (slots is not PostgresRealtimeSlots postgres)
        {
            return;
        }
        // Three renewals per lease: one missed round never lets a live connection's slot lapse.
        var period = options.Value.ConnectionLease / 3;
        using var timer = new PeriodicTimer(period, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await postgres.MaintainAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogWarning(exception, "Realtime connection leases not renewed this round");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>An open realtime connection's slot (PostgreSQL; SQLite counts in memory).</summary>
internal sealed class RealtimeConnectionRow
{
    public required string ConnectionId { get; set; }
    public required string Api { get; set; }
    public required string AccountId { get; set; }
    public required string NodeId { get; set; }
    public DateTime OpenedAt { get; set; }
    public DateTime LeaseUntil { get; set; }
}

internal sealed class RealtimeConnectionsModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<RealtimeConnectionRow>(e =>
        {
            e.ToTable("realtime_connections");
            e.HasKey(c => c.ConnectionId);
            e.HasIndex(c => new { c.Api, c.AccountId, c.LeaseUntil });
            e.HasIndex(c => c.NodeId);
        });
}

internal sealed class RealtimeConnectionsMigration : SchemaMigration
{
    public override string Id => "2026120601_realtime_connections";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "realtime_connections",
            columns: t => new
            {
                connection_id = t.Column<string>(maxLength: 64),
                api = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 200),
                node_id = t.Column<string>(maxLength: 64),
                opened_at = t.Column<DateTime>(),
                lease_until = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_realtime_connections", x => x.connection_id));
        migration.CreateIndex("ix_realtime_connections_api_account_id_lease_until", "realtime_connections", ["api", "account_id", "lease_until"]);
        migration.CreateIndex("ix_realtime_connections_node_id", "realtime_connections", "node_id");
    }
}
