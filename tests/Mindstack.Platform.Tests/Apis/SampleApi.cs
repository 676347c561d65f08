using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;

namespace Mindstack.Platform.Tests.Apis;

/// <summary>
/// A made-up API of the tests' own, declared as a module declares a real one: what the platform
/// resolves from a registered definition is checked without leaning on any real API's facts.
/// </summary>
public static class SampleApi
{
    public const string Name = "sample";

    public static ApiKeyFormat KeyFormat { get; } = new(Name, "smp_", 12, "smp_test_") { AllowedPermissions = ["notes:read", "notes:write"] };

    public static ApiTiers Tiers { get; } = new(
        new ApiTier("bronze", new RateLimitPolicy(Name + ".tier", RateLimitWindow.PerMinute(3))),
        new ApiTier("gold", new RateLimitPolicy(Name + ".tier", RateLimitWindow.PerMinute(5))));

    public static ApiDefinition Definition { get; } = new()
    {
        Name = Name,
        BasePath = "/sample",
        Dialect = typeof(SampleDialect),
        Credentials = new ApiCredentials(Name, [new BearerTokenScheme(), new ApiKeyHeaderScheme("X-Sample-Key", KeyFormat)]),
        Accounts = new AuthPolicy { Audience = Name, DisplayName = "Sample", DefaultTier = Tiers.Default.Name },
        Tiers = Tiers,
        RateLimits = [new RateLimitPolicy(Name + ".writes", RateLimitWindow.PerMinute(2))],
    };
}

/// <summary>The sample API's way of speaking: camelCase, errors as <c>{failure, message}</c>.</summary>
public sealed class SampleDialect : Dialect
{
    private static readonly JsonSerializerOptions Options = CreateJson(JsonNamingPolicy.CamelCase);

    public override string Name => SampleApi.Name;

    public override string Title => "Sample API";

    public override JsonSerializerOptions Json => Options;

    public override (string Code, int Status) Describe(ProblemKind kind) => StandardCodes.Describe(kind);

    protected override object ErrorBody(HttpContext context, Problem problem, string code, int status) =>
        new { failure = code, message = problem.Message };
}

/// <summary>The sample API's one route, mounted as a module mounts its API: its definition's credentials and tiers apply.</summary>
public sealed class SampleRoutes : IEndpointContributor
{
    public void Map(IEndpointRouteBuilder routes)
    {
        var api = routes.MapApi(SampleApi.Definition);
        api.MapGet("/whoami", (Caller caller, SampleDialect dialect) => dialect.Json200(new { caller.AccountId, caller.Api, caller.Tier, caller.Permissions }))
            .RequireCaller()
            .RateLimit(context => SampleApi.Tiers.Of(context.PeekCaller()?.Tier).Limits, context => context.PeekCaller()?.AccountId);
    }
}

/// <summary>The server with the sample API registered and mounted next to the real ones.</summary>
public sealed class SampleApiFactory : MindstackFactory
{
    public SampleApiFactory() => WithServices(s =>
    {
        s.AddApi(SampleApi.Definition);
        s.AddSingleton<IEndpointContributor, SampleRoutes>();
    });
}
