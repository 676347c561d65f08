using Microsoft.AspNetCore.Http;
using Mindstack.Mindra.Orchestration;
using Mindstack.Platform.Access;

namespace Mindstack.Mindra.Auth;

internal static class MindraCallers
{
    public static ExecutionOwner Owner(this Caller caller) => new(caller.AccountId, caller.Sandbox, caller.ApiKeyId);

    /// <summary>Limits and idempotency are per account and environment (live and sandbox apart).</summary>
    public static string? Scope(HttpContext context) =>
        context.PeekCaller() is { } caller ? caller.AccountId + (caller.Sandbox ? ":sandbox" : ":live") : null;
}
