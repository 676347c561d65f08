using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;

namespace Mindstack.MindMesh;

/// <summary>
/// Every fact of the MindMesh API the platform works from, in one place: its name and mount,
/// its credential (a bearer JWT; its WebSocket passes the same token as <c>?token=</c>), its
/// account rules and its rate-limit classes. <c>AddMindMesh</c> registers it.
/// </summary>
public static class MindMeshApi
{
    internal const string Name = "mindmesh";

    internal const string BasePath = "/mindmesh";

    /// <summary>A bearer JWT of the <c>mindmesh</c> audience.</summary>
    internal static ApiCredentials Credentials { get; } = new(Name, [new BearerTokenScheme()]);

    /// <summary>15-minute access tokens, 7-day refresh tokens, free tier.</summary>
    internal static AuthPolicy Accounts { get; } = new()
    {
        Audience = Name,
        DisplayName = "MindMesh",
        AccessTokenLifetime = TimeSpan.FromMinutes(15),
        RefreshTokenLifetime = TimeSpan.FromDays(7),
        DefaultTier = "free",
    };

    /// <summary>The document's rate-limit classes, one per kind of endpoint, each per minute.</summary>
    internal static class Limits
    {
        public static RateLimitPolicy Auth { get; } = new(Name + ".auth", RateLimitWindow.PerMinute(5));

        public static RateLimitPolicy Read { get; } = new(Name + ".read", RateLimitWindow.PerMinute(100));

        public static RateLimitPolicy Write { get; } = new(Name + ".write", RateLimitWindow.PerMinute(20));

        public static RateLimitPolicy Ai { get; } = new(Name + ".ai", RateLimitWindow.PerMinute(10));
    }

    public static ApiDefinition Definition { get; } = new()
    {
        Name = Name,
        BasePath = BasePath,
        Dialect = typeof(MindMeshDialect),
        Credentials = Credentials,
        Accounts = Accounts,
        RateLimits = [Limits.Auth, Limits.Read, Limits.Write, Limits.Ai],
    };
}
