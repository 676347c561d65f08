using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Access;
using Mindstack.Platform.Audit;
using Mindstack.Platform.Events;
using Mindstack.Platform.Realtime;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Platform.Accounts;

/// <summary>
/// Erases an account from the platform's tables, for a module that deletes an account for good
/// (after it removed its own rows): the account, its sessions and refresh tokens, one-time tokens,
/// backup codes, login-failure counters, API keys and their usage, webhook subscriptions and
/// deliveries, realtime connection slots and the events addressed to it are deleted; audit entries
/// stay (the trail of what happened) with the account anonymised. Cached callers are evicted on
/// every node. Run inside the caller's transaction; the eviction goes out when it is called.
/// </summary>
public interface IAccountErasure
{
    Task EraseAsync(string accountId, CancellationToken cancellationToken = default);
}

internal sealed class AccountErasure(MindstackDbContext db, ICallerChanges callerChanges) : IAccountErasure
{
    public async Task EraseAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var account = await db.Set<Account>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null)
        {
            return;
        }
        await db.Set<RefreshToken>().Where(t => t.AccountId == accountId).ExecuteDeleteAsync(cancellationToken);
        await db.Set<AccountSession>().Where(s => s.AccountId == accountId).ExecuteDeleteAsync(cancellationToken);
        await db.Set<OneTimeToken>().Where(t => t.AccountId == accountId || t.Email == account.Email).ExecuteDeleteAsync(cancellationToken);
        await db.Set<BackupCode>().Where(c => c.AccountId == accountId).ExecuteDeleteAsync(cancellationToken);
        var failureKey = "account:" + accountId + "|";
        await db.Set<LoginFailure>().Where(f => f.LoginKey.StartsWith(failureKey)).ExecuteDeleteAsync(cancellationToken);
        var keyIds = await db.Set<ApiKey>().Where(k => k.AccountId == accountId).Select(k => k.Id).ToListAsync(cancellationToken);
        await db.Set<ApiKeyUsage>().Where(u => keyIds.Contains(u.KeyId)).ExecuteDeleteAsync(cancellationToken);
        await db.Set<ApiKey>().Where(k => k.AccountId == accountId).ExecuteDeleteAsync(cancellationToken);
        // Areas a host may leave out (webhooks, realtime, events) are erased when their tables exist.
        if (Has<WebhookDeliveryRow>())
        {
            var deliveryIds = db.Set<WebhookDeliveryRow>().Where(d => d.AccountId == accountId).Select(d => d.Id);
            await db.Set<WebhookAttemptRow>().Where(a => deliveryIds.Contains(a.DeliveryId)).ExecuteDeleteAsync(cancellationToken);
            await db.Set<WebhookDeliveryRow>().Where(d => d.AccountId == accountId).ExecuteDeleteAsync(cancellationToken);
            await db.Set<WebhookSubscriptionRow>().Where(s => s.AccountId == accountId).ExecuteDeleteAsync(cancellationToken);
        }
        if (Has<RealtimeConnectionRow>())
        {
            await db.Set<RealtimeConnectionRow>().Where(c => c.AccountId == accountId).ExecuteDeleteAsync(cancellationToken);
        }
        if (Has<OutboxEvent>())
        {
            await db.Set<OutboxEvent>().Where(e => e.AccountId == accountId || e.AggregateId == accountId).ExecuteDeleteAsync(cancellationToken);
        }
        if (Has<AuditEntry>())
        {
            await db.Set<AuditEntry>().Where(a => a.AccountId == accountId)
                .ExecuteUpdateAsync(u => u.SetProperty(a => a.AccountId, (string?)null), cancellationToken);
            await db.Set<AuditEntry>().Where(a => a.ResourceId == accountId)
                .ExecuteUpdateAsync(u => u.SetProperty(a => a.ResourceId, (string?)null), cancellationToken);
        }
        await db.Set<Account>().Where(a => a.Id == accountId).ExecuteDeleteAsync(cancellationToken);
        await callerChanges.AccountChangedAsync(accountId, cancellationToken);
    }

    private bool Has<T>() => db.Model.FindEntityType(typeof(T)) is not null;
}
