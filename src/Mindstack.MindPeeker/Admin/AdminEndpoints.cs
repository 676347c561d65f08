using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.MindPeeker.Sessions;
using Mindstack.MindPeeker.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Observability;

namespace Mindstack.MindPeeker.Admin;

/// <summary>Admin-only: system status from real health probes and process figures; user analytics from real data.</summary>
internal static class AdminEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").RequireRole(AccountRoles.Admin);
        admin.MapGet("/system/status", StatusAsync).WithSummary("Component health and live metrics (admin)").ProducesEnvelope<SystemStatusView>();
        admin.MapGet("/analytics/users", AnalyticsAsync).WithSummary("Users by period and tier (admin)").ProducesEnvelope<UserAnalyticsView>();
    }

    private static async Task<IResult> StatusAsync(HealthService health, AdminService admin, TimeProvider clock, MindPeekerDialect dialect,
        CancellationToken cancellationToken)
    {
        var snapshot = await health.SnapshotAsync(cancellationToken);
        var (active, queued, stalled) = await admin.SessionQueueAsync(cancellationToken);
        // The document's names for the platform's probes; probes it has no name for are shown under their own.
        var services = snapshot.ServiceStates.ToDictionary(p => p.Key == "ai_engine" ? "ai_models" : p.Key, p => p.Value);
        services["api"] = "healthy";
        services["queue"] = stalled > 0 ? "degraded" : "healthy";
        var process = Process.GetCurrentProcess();
        var uptime = clock.GetUtcNow().UtcDateTime - process.StartTime.ToUniversalTime();
        var cpu = uptime.TotalSeconds <= 0 ? 0 : process.TotalProcessorTime.TotalSeconds / (uptime.TotalSeconds * Environment.ProcessorCount);
        var memoryLimit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return dialect.Ok(new SystemStatusView(
            snapshot.Healthy ? "healthy" : "degraded",
            snapshot.Timestamp,
            services,
            new SystemMetricsView(
                active,
                queued,
                Math.Round(Math.Clamp(cpu, 0, 1), 3),
                memoryLimit <= 0 ? 0 : Math.Round((double)process.WorkingSet64 / memoryLimit, 3),
                GpuUsage()),
            snapshot.Version));
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

    private static async Task<IResult> AnalyticsAsync(string? period, string? tier, AdminService admin, TimeProvider clock,
        MindPeekerDialect dialect, CancellationToken cancellationToken)
    {
        var range = StatsRange.Parse(period, null, null, clock.GetUtcNow().UtcDateTime);
        if (tier is not null && !Tier.IsKnown(tier))
        {
            throw SessionRules.InvalidValue("tier", "One of basic, professional, enterprise");
        }
        var users = await admin.UsersAsync(range, tier, cancellationToken);
        // No address-to-country data is kept, so no geography is invented.
        return dialect.Ok(new UserAnalyticsView(range.Period, users.TotalUsers, users.ActiveUsers, users.NewUsers, users.RetentionRate,
            users.TierDistribution, Array.Empty<object>()));
    }
}
