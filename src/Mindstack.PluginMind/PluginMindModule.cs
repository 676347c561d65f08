using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;
using Mindstack.PluginMind.Auth;
using Mindstack.PluginMind.Edge;
using Mindstack.PluginMind.Jobs;
using Mindstack.PluginMind.Logs;
using Mindstack.PluginMind.Meta;
using Mindstack.PluginMind.Processing;
using Mindstack.PluginMind.Usage;
using Mindstack.PluginMind.Users;

namespace Mindstack.PluginMind;

/// <summary>The PluginMind API: generic AI processing, async jobs, query logs, usage, Google sign-in.</summary>
public static class PluginMindModule
{
    public const string DefaultBasePath = PluginMindApi.BasePath;

    public static IServiceCollection AddPluginMind(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddApi(PluginMindApi.Definition);
        services.AddApiDocument("pluginmind", "PluginMind API",
            "Generic AI processing (document, chat, seo, crypto, custom), async jobs, query logs, usage and Google sign-in with a pm_session cookie.");

        services.AddOptions<PluginMindOptions>().BindConfiguration(PluginMindOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PluginMindOptions>, PluginMindOptionsValidator>());

        services.AddModelContributor<PluginMindModel>();
        services.AddMigrationsFrom(typeof(PluginMindModule).Assembly);

        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, PluginMindEdgeStartupFilter>());
        services.AddHttpClient(GoogleKeys.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.TryAddSingleton<GoogleKeys>();
        services.TryAddSingleton<GoogleTokenVerifier>();
        services.TryAddScoped<PluginMindUsers>();
        services.TryAddScoped<UsageMeter>();
        services.TryAddScoped<AnonymousUsage>();
        services.TryAddScoped<QueryLogs>();
        services.AddHttpClient(HttpCryptoPriceSource.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(5));
        services.TryAddSingleton<ICryptoPriceSource, HttpCryptoPriceSource>();
        services.TryAddScoped<AnalysisService>();
        services.TryAddScoped<ChargedAnalysis>();
        services.TryAddScoped<AnalysisJobs>();
        services.AddJobHandler<AnalysisJobHandler>(AnalysisJobHandler.Name, AnalysisJobHandler.Configure);
        return services;
    }

    public static RouteGroupBuilder MapPluginMind(this IEndpointRouteBuilder routes, string basePath = DefaultBasePath)
    {
        var dialect = routes.ServiceProvider.GetRequiredService<PluginMindDialect>();
        var api = routes.MapApi(PluginMindApi.Definition, basePath);
        // Per client address, as the original; the session-bound processing calls add a per-user limit.
        api.RateLimit(PluginMindApi.Limits.PerAddress);
        api.MapGet("/live", () => dialect.Json200(new { status = "live" })).WithSummary("Liveness probe");
        api.MapGet("/ready", GetReady).WithSummary("Readiness probe: database connectivity and environment");
        MetaEndpoints.Map(api);
        AuthEndpoints.Map(api);
        UserEndpoints.Map(api);
        QueryLogEndpoints.Map(api);
        ProcessingEndpoints.Map(api);
        JobEndpoints.Map(api);
        ServiceEndpoints.Map(api);
        return api;
    }

    /// <summary>
    /// Ready when the database answers (the platform's database probe, alone: a slow AI provider
    /// must not make a readiness probe time out). Not ready is 503 <c>SERVICE_UNAVAILABLE</c> in
    /// the error envelope, its <c>details</c> carrying the checks.
    /// </summary>
    private static async Task<IResult> GetReady(IEnumerable<IHealthProbe> probes, PluginMindDialect dialect,
        IOptions<PluginMindOptions> options, CancellationToken ct)
    {
        var database = probes.FirstOrDefault(p => p.Name == "database");
        var db = database is null ? new ProbeResult(false, "no database probe") : await database.CheckAsync(ct);
        // Only the database decides readiness: the server runs with no configuration, so a
        // missing Google client id is reported (sign-in will refuse) but does not take it out.
        var env = string.IsNullOrWhiteSpace(options.Value.Google.ClientId) ? "google_client_id_missing" : "ok";
        if (!db.Healthy)
        {
            throw new Problem(ProblemKind.Unavailable, "Service not ready: database unreachable",
                details: new NotReadyDetails(new ReadinessChecks("error", env)));
        }
        return dialect.Json200(new { status = "ready", checks = new ReadinessChecks("ok", env) });
    }
}

/// <summary>What <c>/ready</c> checked.</summary>
internal sealed record ReadinessChecks(string Db, string Env);

/// <summary>The structured detail of a 503 from <c>/ready</c>, rendered inside the error envelope.</summary>
internal sealed record NotReadyDetails(ReadinessChecks Checks)
{
    public string Status => "not_ready";
}

/// <summary>Refuses a development secret in Production, and nonsense limits, at start.</summary>
internal sealed class PluginMindOptionsValidator(IHostEnvironment environment) : IValidateOptions<PluginMindOptions>
{
    public ValidateOptionsResult Validate(string? name, PluginMindOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.Google.DevSecret) && environment.IsProduction())
        {
            failures.Add("Mindstack:PluginMind:Google:DevSecret is for development only and is refused in Production.");
        }
        if (!string.IsNullOrEmpty(options.Google.DevSecret) && options.Google.DevSecret.Length < 32)
        {
            failures.Add("Mindstack:PluginMind:Google:DevSecret must be at least 32 characters (HS256 key).");
        }
        if (!Uri.TryCreate(options.Google.JwksUrl, UriKind.Absolute, out _))
        {
            failures.Add("Mindstack:PluginMind:Google:JwksUrl must be an absolute URL.");
        }
        if (options.DefaultQueryLimit < 0)
        {
            failures.Add("Mindstack:PluginMind:DefaultQueryLimit must not be negative.");
        }
        foreach (var (tier, limit) in options.TierQueryLimits.Where(t => t.Value < 0))
        {
            failures.Add($"Mindstack:PluginMind:TierQueryLimits:{tier} must not be negative.");
        }
        if (options.AnonymousQueriesPerDay < 0)
        {
            failures.Add("Mindstack:PluginMind:AnonymousQueriesPerDay must not be negative (0 turns anonymous use off).");
        }
        if (options.AnalysisTimeout <= TimeSpan.Zero || options.AnalysisTimeout >= Jobs.AnalysisJobHandler.JobTimeout)
        {
            failures.Add($"Mindstack:PluginMind:AnalysisTimeout must be more than zero and less than the job's {Jobs.AnalysisJobHandler.JobTimeout}.");
        }
        if (options.AnalysisAttempts is < 1 or > 10)
        {
            failures.Add("Mindstack:PluginMind:AnalysisAttempts must be from 1 to 10.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
