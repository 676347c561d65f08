using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.MindPeeker.Sessions;
using Mindstack.MindPeeker.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker.Admin;

/// <summary>Admin-only: system status from real health probes and process figures; user analytics from real data.</summary>
internal static class AdminEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").RequireRole(AccountRoles.Admin);
        admin.MapGet("/system/status", StatusAsync).WithSummary("Component health and live metrics (admin)");
        admin.MapGet("/analytics/users", AnalyticsAsync).WithSummary("Users by period and tier (admin)");
    }

    /// <summary>A pending session this long past its start is stuck: the queue is not being worked.</summary>
    private static readonly TimeSpan StalledAfter = TimeSpan.FromMinutes(10);

    private static async Task<IResult> StatusAsync(HealthService health, MindstackDbContext db, TimeProvider clock, MindPeekerDialect dialect,
        IOptions<MindPeekerOptions> options, CancellationToken cancellationToken)
    {
        var snapshot = await health.SnapshotAsync(cancellationToken);
        var active = await db.Set<PeekSession>().CountAsync(s => s.Status == SessionStatus.Processing, cancellationToken);
        var queued = await db.Set<PeekSession>().CountAsync(s => s.Status == SessionStatus.Pending, cancellationToken);
        var stalledBefore = clock.GetUtcNow().UtcDateTime - StalledAfter - TimeSpan.FromMilliseconds(Math.Max(0, options.Value.StartDelayMilliseconds));
        var stalled = await db.Set<PeekSession>().CountAsync(s => s.Status == SessionStatus.Pending && s.CreatedAt < stalledBefore, cancellationToken);
        // The document's names for the platform's probes; probes it has no name for are shown under their own.
        var services = snapshot.ServiceStates.ToDictionary(p => p.Key == "ai_engine" ? "ai_models" : p.Key, p => p.Value);
        services["api"] = "healthy";
        services["queue"] = stalled > 0 ? "degraded" : "healthy";
        var process = Process.GetCurrentProcess();
        var uptime = clock.GetUtcNow().UtcDateTime - process.StartTime.ToUniversalTime();
        var cpu = uptime.TotalSeconds <= 0 ? 0 : process.TotalProcessorTime.TotalSeconds / (uptime.TotalSeconds * Environment.ProcessorCount);
        var memoryLimit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return dialect.Ok(new
        {
            Status = snapshot.Healthy ? "healthy" : "degraded",
            snapshot.Timestamp,
            Services = services,
            Metrics = new
            {
                ActiveSessions = active,
                QueueDepth = queued,
                CpuUsage = Math.Round(Math.Clamp(cpu, 0, 1), 3),
                MemoryUsage = memoryLimit <= 0 ? 0 : Math.Round((double)process.WorkingSet64 / memoryLimit, 3),
                GpuUsage = GpuUsage(),
            },
            snapshot.Version,
        });
    }

    /// <summary>
    /// The busiest GPU's utilisation as the Linux kernel reports it (<c>gpu_busy_percent</c>, amdgpu
    /// and others), 0..1; null when this node has no GPU that reports one — not a made-up figure.
    /// </summary>
    private static double? GpuUsage()
    {
        try
        {
            var busy = Directory.Exists("/sys/class/drm")
                ? Directory.EnumerateDirectories("/sys/class/drm", "card*")
                    .Select(card => Path.Combine(card, "device", "gpu_busy_percent"))
                    .Where(File.Exists)
                    .Select(file => int.TryParse(File.ReadAllText(file).Trim(), out var percent) ? percent : (int?)null)
                    .Where(p => p is not null)
                    .ToList()
                : [];
            return busy.Count == 0 ? null : Math.Round(busy.Max()!.Value / 100.0, 3);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static async Task<IResult> AnalyticsAsync(string? period, string? tier, MindstackDbContext db, TimeProvider clock,
        MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var range = StatsRange.Parse(period, null, null, clock.GetUtcNow().UtcDateTime);
        if (tier is not null && !Tier.IsKnown(tier))
        {
            throw SessionRules.InvalidValue("tier", "One of basic, professional, enterprise");
        }
        var users = await (from p in db.Set<PeekerProfile>().AsNoTracking()
                           join a in db.Set<Account>().AsNoTracking() on p.AccountId equals a.Id
                           select new { a.Id, a.Tier, a.CreatedAt, a.LastLoginAt }).ToListAsync(cancellationToken);
        if (tier is not null)
        {
            users = users.Where(u => Tier.Of(u.Tier).Name == tier).ToList();
        }
        var ids = users.Select(u => u.Id).ToHashSet();
        var sessionUsers = (await db.Set<PeekSession>().AsNoTracking().Where(s => s.CreatedAt >= range.From)
            .Select(s => s.AccountId).Distinct().ToListAsync(cancellationToken)).Where(ids.Contains).ToHashSet();
        var active = users.Where(u => sessionUsers.Contains(u.Id) || u.LastLoginAt >= range.From).ToList();
        var existing = users.Where(u => u.CreatedAt < range.From).ToList();
        return dialect.Ok(new
        {
            range.Period,
            TotalUsers = users.Count,
            ActiveUsers = active.Count,
            NewUsers = users.Count(u => u.CreatedAt >= range.From),
            // Of the users who existed before the period, the share active during it.
            RetentionRate = existing.Count == 0 ? 0 : Math.Round((double)existing.Count(u => active.Contains(u)) / existing.Count, 3),
            TierDistribution = Tier.All.ToDictionary(t => t.Name, t => users.Count(u => Tier.Of(u.Tier).Name == t.Name)),
            // No address-to-country data is kept, so no geography is invented.
            GeographicDistribution = Array.Empty<object>(),
        });
    }
}
