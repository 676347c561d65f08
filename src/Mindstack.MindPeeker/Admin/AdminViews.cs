namespace Mindstack.MindPeeker.Admin;

internal sealed record SystemMetricsView(int ActiveSessions, int QueueDepth, double CpuUsage, double MemoryUsage, double? GpuUsage);

/// <summary><c>GET /admin/system/status</c>: component health and live metrics.</summary>
internal sealed record SystemStatusView(string Status, DateTime Timestamp, Dictionary<string, string> Services, SystemMetricsView Metrics,
    string Version);

/// <summary><c>GET /admin/analytics/users</c>: users by period and tier.</summary>
internal sealed record UserAnalyticsView(string Period, int TotalUsers, int ActiveUsers, int NewUsers, double RetentionRate,
    Dictionary<string, int> TierDistribution, IReadOnlyList<object> GeographicDistribution);
