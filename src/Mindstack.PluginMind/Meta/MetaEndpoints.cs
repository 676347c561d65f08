using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Mindstack.Platform.Http;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;
using Mindstack.PluginMind.Jobs;

namespace Mindstack.PluginMind.Meta;

/// <summary><c>/</c>, <c>/health</c>, <c>/version</c>: what the service is and whether it is up.</summary>
internal static class MetaEndpoints
{
    public const string Name = "PluginMind";

    /// <summary>The commit this build came from, stamped by the project file (<c>unknown</c> outside git).</summary>
    public static string GitSha { get; } =
        typeof(MetaEndpoints).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "GitSha")?.Value is { Length: > 0 } sha ? sha : "unknown";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/", GetRoot).WithSummary("Service name, version, features and where the docs are");
        api.MapGet("/health", GetHealth).WithSummary("Health: status and the number of active async jobs");
        api.MapGet("/version", GetVersion).WithSummary("Name, version and the git commit of the build");
    }

    private static IResult GetRoot(HttpContext context, PluginMindDialect dialect, IHostEnvironment environment) =>
        dialect.Json200(new
        {
            name = Name,
            version = HealthService.Version,
            description = "Generic AI processing: document, chat, SEO, crypto and custom analyses, async jobs, query logs and usage.",
            features = new
            {
                analysis_types = Processing.AnalysisRequest.Types,
                async_jobs = true,
                query_logs = true,
                usage_tiers = true,
                google_sign_in = true,
            },
            // The original showed its docs only in debug mode.
            docs = environment.IsDevelopment() ? "/docs/pluginmind" : null,
            health = Link(context, "/health"),
        });

    private static async Task<IResult> GetHealth(MindstackDbContext db, PluginMindDialect dialect, CancellationToken ct)
    {
        var active = await db.Set<AnalysisJob>()
            .CountAsync(j => j.Status == AnalysisJobStatus.Queued || j.Status == AnalysisJobStatus.Processing, ct);
        return dialect.Json200(new { status = "ok", active_jobs = active });
    }

    private static IResult GetVersion(PluginMindDialect dialect) =>
        dialect.Json200(new { name = Name, version = HealthService.Version, git_sha = GitSha });

    private static string Link(HttpContext context, string path) =>
        context.Api() is { OnOwnPort: false } api ? api.Mount.BasePath + path : path;
}
