using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Realtime;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Access;

/// <summary>
/// Closes open realtime connections whose credential stopped holding: on every node, each caller
/// change of an account (a session revoked — as a ban or sign-out-everywhere does —, a key revoked,
/// the account suspended, banned or deleted) checks that account's local connections again and
/// disconnects those whose session or key is no longer valid or whose account may no longer sign in,
/// or which an API's own <see cref="IRealtimeCallerCheck"/> refuses (e.g. a ban of that API, which a
/// key-authenticated socket would otherwise outlive). Listens on the caller-change channel that
/// already reaches every node.
/// </summary>
internal sealed class RealtimeCredentialGuard(RealtimeHub hub, IServiceScopeFactory scopes, TimeProvider clock,
    IEnumerable<IRealtimeCallerCheck> checks, ILogger<RealtimeCredentialGuard> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        hub.OnPlatformChannel(CallerCache.Channel, message =>
        {
            if (JsonSerializer.Deserialize<string>(message.DataJson) is not { } accountId)
            {
                return;
            }
            var connections = hub.Connections.Where(c => !c.IsClosed && c.Caller.SubjectId == accountId).ToList();
            if (connections.Count > 0)
            {
                // Off the backplane's thread: the check reads the database.
                _ = Task.Run(() => CheckAsync(accountId, connections));
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task CheckAsync(string accountId, List<RealtimeConnection> connections)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            var status = await db.Set<Account>().AsNoTracking().Where(a => a.Id == accountId).Select(a => a.Status).FirstOrDefaultAsync();
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var connection in connections)
            {
                var valid = status is not null && AccountStatus.CanAuthenticate(status);
                if (valid && connection.Caller.Attributes.TryGetValue("session_id", out var sessionId))
                {
                    valid = await db.Set<AccountSession>().AnyAsync(s => s.Id == sessionId && s.RevokedAt == null);
                }
                if (valid && connection.Caller.Attributes.TryGetValue("api_key_id", out var keyId))
                {
                    valid = await db.Set<ApiKey>().AnyAsync(k => k.Id == keyId && k.IsActive && k.RevokedAt == null
                        && (k.ExpiresAt == null || k.ExpiresAt > now));
                }
                foreach (var check in checks)
                {
                    if (valid && string.Equals(check.Api, connection.Api, StringComparison.Ordinal))
                    {
                        valid = await check.MayStayAsync(connection.Caller, scope.ServiceProvider, CancellationToken.None);
                    }
                }
                if (!valid)
                {
                    connection.CloseRevoked();
                }
            }
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Could not check the realtime connections of {AccountId}", accountId);
        }
    }
}
