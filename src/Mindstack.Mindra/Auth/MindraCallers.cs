using Microsoft.AspNetCore.Http;
using Mindstack.Mindra.Orchestration;
using Mindstack.Platform.Access;

namespace Mindstack.Mindra.Auth;

/// <summary>Mindra's permissions, as keys hold them.</summary>
internal static class MindraPermissions
{
    public const string Orchestrate = "orchestrate";
    public const string AgentsRead = "agents:read";
    public const string AgentsWrite = "agents:write";
    public const string ExecutionsRead = "executions:read";
    public const string WalletRead = "wallet:read";
    public const string WalletWrite = "wallet:write";
    public const string ApiKeysWrite = "api-keys:write";

    public static readonly IReadOnlyList<string> All =
        [Orchestrate, AgentsRead, AgentsWrite, ExecutionsRead, WalletRead, WalletWrite, ApiKeysWrite];
}

internal static class MindraCallers
{
    /// <summary>Only <c>Authorization: Bearer mk_…</c> / <c>mk_test_…</c>: the document's one way in.</summary>
    public static readonly ApiCredentials Credentials = new("mindra", [new BearerApiKeyScheme(ApiKeyFormat.Mindra)]);

    public static ExecutionOwner Owner(this Caller caller) => new(caller.AccountId, caller.Sandbox, caller.ApiKeyId);

    /// <summary>Limits and idempotency are per account and environment (live and sandbox apart).</summary>
    public static string? Scope(HttpContext context) =>
        context.PeekCaller() is { } caller ? caller.AccountId + (caller.Sandbox ? ":sandbox" : ":live") : null;
}
