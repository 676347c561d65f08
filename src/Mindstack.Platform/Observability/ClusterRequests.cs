using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Observability;

/// <summary>
/// Requests per minute, API and node, shared through the database so that any node can show what
/// every node answered: each request is counted in memory (<see cref="IUsageCounters"/>, no write
/// per request) and written in the counters' batches to <c>observability_request_minutes</c>.
/// This node is <see cref="NodeId"/> (<c>Mindstack:Jobs:NodeId</c>). Singleton.
/// </summary>
public sealed class NodeRequestCounts(IUsageCounters counters, JobsSettings settings, TimeProvider clock)
{
    internal static readonly CounterTable Minutes = new("observability_request_minutes", ["minute", "node_id", "api"],
        ["requests", "server_errors", "client_errors"]);

    /// <summary>This node's id, as its heartbeat and its counts name it.</summary>
    public string NodeId => settings.NodeId;

    // The current minute's key, formatted once a minute instead of once a request.
    private CurrentMinute? _minute;

    public void Record(string api, int status) =>
        counters.Add(Minutes, [MinuteKeyNow(), NodeId, api], 1, status >= 500 ? 1 : 0, status is >= 400 and < 500 ? 1 : 0);

    private string MinuteKeyNow()
    {
        var now = clock.GetUtcNow();
        var minute = now.ToUnixTimeSeconds() / 60;
        var cached = Volatile.Read(ref _minute);
        if (cached is not null && cached.Minute == minute)
        {
            return cached.Key;
        }
        var fresh = new CurrentMinute(minute, MinuteKey(now));
        Volatile.Write(ref _minute, fresh);
        return fresh.Key;
    }

    private sealed record CurrentMinute(long Minute, string Key);

    /// <summary>Counts this node made and has not written yet: (minute, node, api) and (requests, 5xx, 4xx).</summary>
    internal IReadOnlyList<(IReadOnlyList<string> Key, long[] Sums)> Pending() => counters.PendingRows(Minutes);

    /// <summary>A UTC minute as <c>yyyyMMddHHmm</c>: fixed width, so text order is time order.</summary>
    internal static string MinuteKey(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
}

/// <summary>One row of <c>observability_request_minutes</c>.</summary>
internal sealed class RequestMinuteRow
{
    public required string Minute { get; set; }
    public required string NodeId { get; set; }
    public required string Api { get; set; }
    public long Requests { get; set; }
    public long ServerErrors { get; set; }
    public long ClientErrors { get; set; }
}

/// <summary>One row of <c>observability_nodes</c>: a node and its last heartbeat.</summary>
internal sealed class NodeRow
{
    public required string NodeId { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime LastSeenAt { get; set; }
    public required string Version { get; set; }
}

/// <summary>
/// Writes this node's heartbeat to <c>observability_nodes</c> every <see cref="Interval"/> (a node
/// whose heartbeat is older than <see cref="LiveWithin"/> is gone), removes its row when it stops,
/// and prunes request minutes older than <see cref="Retention"/> and nodes unseen for a day.
/// </summary>
internal sealed class NodeHeartbeat(IServiceScopeFactory scopes, NodeRequestCounts node, TimeProvider clock, ILogger<NodeHeartbeat> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan LiveWithin = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan Retention = TimeSpan.FromHours(2);

    private readonly DateTime _startedAt = clock.GetUtcNow().UtcDateTime;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        // Real time on purpose: a test's fake clock must not stop the heartbeat.
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                await BeatAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // A node that stops cleanly leaves the list at once, not a minute later.
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            var nodeId = node.NodeId;
            await db.Database.ExecuteSqlAsync($"DELETE FROM observability_nodes WHERE node_id = {nodeId}", cancellationToken);
        }
        catch (Exception exception)
        {
            logger.LogDebug(exception, "Could not remove this node's heartbeat row");
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            var now = clock.GetUtcNow().UtcDateTime;
            var nodeId = node.NodeId;
            var version = HealthService.Version;
            var startedAt = _startedAt;
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO observability_nodes (node_id, started_at, last_seen_at, version) VALUES ({nodeId}, {startedAt}, {now}, {version})
                ON CONFLICT (node_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, started_at = excluded.started_at, version = excluded.version
                """,
                cancellationToken);
            var oldMinute = NodeRequestCounts.MinuteKey(now - Retention);
            await db.Database.ExecuteSqlAsync($"DELETE FROM observability_request_minutes WHERE minute < {oldMinute}", cancellationToken);
            var longGone = now.AddDays(-1);
            await db.Database.ExecuteSqlAsync($"DELETE FROM observability_nodes WHERE last_seen_at < {longGone}", cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The next beat tries again; meanwhile other nodes may list this one as gone.
            logger.LogWarning(exception, "Could not write this node's heartbeat");
        }
    }
}

internal sealed class ObservabilityModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<RequestMinuteRow>(e =>
        {
            e.ToTable("observability_request_minutes");
            e.HasKey(r => new { r.Minute, r.NodeId, r.Api });
        });
        modelBuilder.Entity<NodeRow>(e =>
        {
            e.ToTable("observability_nodes");
            e.HasKey(n => n.NodeId);
        });
    }
}

/// <summary>Request counts per minute, node and API, and node heartbeats (the console's overview of every node).</summary>
internal sealed class ObservabilityClusterMigration : SchemaMigration
{
    public override string Id => "2026120750_observability_cluster";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "observability_request_minutes",
            columns: t => new
            {
                minute = t.Column<string>(maxLength: 12),
                node_id = t.Column<string>(maxLength: 200),
                api = t.Column<string>(maxLength: 64),
                requests = t.Column<long>(),
                server_errors = t.Column<long>(),
                client_errors = t.Column<long>(),
            },
            constraints: t => t.PrimaryKey("pk_observability_request_minutes", x => new { x.minute, x.node_id, x.api }));
        migration.CreateTable(
            name: "observability_nodes",
            columns: t => new
            {
                node_id = t.Column<string>(maxLength: 200),
                started_at = t.Column<DateTime>(),
                last_seen_at = t.Column<DateTime>(),
                version = t.Column<string>(maxLength: 64),
            },
            constraints: t => t.PrimaryKey("pk_observability_nodes", x => x.node_id));
    }
}
