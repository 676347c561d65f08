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

    /// <summary>
    /// The document's permissions. A member's role grants them: <c>admin</c> (a tenant's creator)
    /// holds every one; <c>user</c> (joined with an invite code) works with goals, runs and memory;
    /// <c>viewer</c> reads goals, runs, memory and audit.
    /// </summary>
    internal static class Permissions
    {
        public const string ReadGoals = "read:goals";
        public const string WriteGoals = "write:goals";
        public const string ReadRuns = "read:runs";
        public const string WriteRuns = "write:runs";
        public const string ApproveActions = "approve:actions";
        public const string ManageConnectors = "manage:connectors";
        public const string ReadMemory = "read:memory";
        public const string WriteMemory = "write:memory";
        public const string ManageAutomations = "manage:automations";
        public const string ReadAudit = "read:audit";
        public const string Admin = "admin";

        public static IReadOnlyList<string> All { get; } =
        [
            ReadGoals, WriteGoals, ReadRuns, WriteRuns, ApproveActions, ManageConnectors, ReadMemory, WriteMemory,
            ManageAutomations, ReadAudit, Admin,
        ];
    }

    /// <summary>A member's role within its tenant, and the permissions each grants.</summary>
    internal static class Roles
    {
        public const string Admin = "admin";
        public const string User = "user";
        public const string Viewer = "viewer";

        public static IReadOnlyList<string> All { get; } = [Admin, User, Viewer];

        public static IReadOnlyList<string> PermissionsOf(string role) => role switch
        {
            Admin => Permissions.All,
            User => [Permissions.ReadGoals, Permissions.WriteGoals, Permissions.ReadRuns, Permissions.WriteRuns, Permissions.ReadMemory,
                Permissions.WriteMemory],
            _ => [Permissions.ReadGoals, Permissions.ReadRuns, Permissions.ReadMemory, Permissions.ReadAudit],
        };
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
