using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.PluginMind.Auth;

namespace Mindstack.PluginMind.Processing;

/// <summary>The body of the legacy <c>/analyze</c>: only the input (the type is crypto).</summary>
internal sealed record LegacyAnalyzeRequest(string? UserInput);

internal sealed record ProcessView(string AnalysisType, string OptimizedPrompt, string AnalysisResult, string SystemPrompt,
    ServicesUsedView ServicesUsed, IReadOnlyDictionary<string, object?> Metadata);

internal sealed record ServicesUsedView(ServiceUsed PromptOptimizer, ServiceUsed Analyzer);

internal sealed record LegacyAnalyzeView(string OptimizedPrompt, string Analysis);

/// <summary><c>POST /process</c> and the legacy <c>POST /analyze</c>: a signed-in user's analysis, charged and logged.</summary>
internal static class ProcessingEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/process", Process)
            .WithSummary("Run a document, chat, seo, crypto or custom analysis through the AI engine (session cookie required)")
            .ProducesEnvelope<ProcessView>();
        api.MapPost("/analyze", Analyze)
            .WithSummary("Legacy crypto analysis: only user_input (session cookie required)")
            .ProducesEnvelope<LegacyAnalyzeView>();
    }

    private static async Task<IResult> Process(Body<AnalysisRequest> body, HttpContext context, ChargedAnalysis analysis,
        PluginMindDialect dialect, CancellationToken ct)
    {
        var caller = await PluginMindSession.RequireAsync(context);
        var (input, type) = body.Value.Validate();
        await LimitPerUserAsync(context, caller);
        var outcome = await analysis.RunAsync(caller.AccountId, caller.Tier, input, type, ct);
        return dialect.Json200(new ProcessView(outcome.AnalysisType, outcome.OptimizedPrompt, outcome.AnalysisResult, outcome.SystemPrompt,
            new ServicesUsedView(outcome.PromptOptimizer, outcome.Analyzer), outcome.Metadata));
    }

    private static async Task<IResult> Analyze(Body<LegacyAnalyzeRequest> body, HttpContext context, ChargedAnalysis analysis,
        PluginMindDialect dialect, CancellationToken ct)
    {
        var caller = await PluginMindSession.RequireAsync(context);
        var (input, type) = new AnalysisRequest(body.Value.UserInput, "crypto").Validate();
        await LimitPerUserAsync(context, caller);
        var outcome = await analysis.RunAsync(caller.AccountId, caller.Tier, input, type, ct);
        return dialect.Json200(new LegacyAnalyzeView(outcome.OptimizedPrompt, outcome.AnalysisResult));
    }

    /// <summary>
    /// The original's second bucket, per signed-in user (the group's per-address limit applies too).
    /// Checked here rather than as a filter because the user is known only once the cookie is read.
    /// </summary>
    internal static async Task LimitPerUserAsync(HttpContext context, Caller caller)
    {
        var services = context.RequestServices;
        if (!services.GetRequiredService<IOptions<LimitsOptions>>().Value.RateLimitsEnabled)
        {
            return;
        }
        var decision = await services.GetRequiredService<IRateLimiter>()
            .AcquireAsync(PluginMindApi.Limits.PerUser, "user:" + caller.AccountId, context.RequestAborted);
        RateLimitHeaders.Announce(context, decision);
        if (!decision.Allowed)
        {
            throw decision.ToProblem();
        }
    }
}
