using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mindstack.Platform.Http;
using Mindstack.PluginMind.Auth;
using Mindstack.PluginMind.Users;

namespace Mindstack.PluginMind.Logs;

/// <summary><c>GET /query-logs</c>: a user reads their own processing log; an admin anyone's.</summary>
internal static class QueryLogEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/query-logs", List).WithSummary("Recent processing calls (limit, default 50; user_id for admins)");

    private static async Task<IResult> List(HttpContext context, QueryLogs logs, PluginMindUsers users, PluginMindDialect dialect,
        CancellationToken ct, string? limit = null, string? user_id = null)
    {
        var caller = await PluginMindSession.RequireAsync(context);
        var take = Query.Int(limit, "limit", 50, 1, 1000);
        if (user_id is not null && user_id.Contains('\0', StringComparison.Ordinal))
        {
            // No account id holds NUL, and PostgreSQL cannot even compare one: a clear 422, never a database error.
            throw Problem.Invalid("user_id", "Input should be a user id");
        }
        string? scope;
        if (caller.IsAdmin())
        {
            scope = string.IsNullOrEmpty(user_id) ? null : user_id;
            if (scope is not null)
            {
                // An admin naming a user who does not exist is told so (404 USER_NOT_FOUND), not shown an empty log.
                await users.GetAsync(scope, ct);
            }
        }
        else if (string.IsNullOrEmpty(user_id) || user_id == caller.AccountId)
        {
            scope = caller.AccountId;
        }
        else
        {
            throw Problem.Forbidden("You may only read your own query logs");
        }
        var (total, rows) = await logs.ListAsync(scope, take, ct);
        return dialect.Json200(new
        {
            total_logs = total,
            logs = rows.Select(l => new
            {
                id = l.Id,
                user_id = l.AccountId,
                user_input = l.UserInput,
                success = l.Success,
                response_time_ms = l.ResponseTimeMs,
                created_at = l.CreatedAt,
                error_message = l.ErrorMessage,
            }),
        });
    }
}
