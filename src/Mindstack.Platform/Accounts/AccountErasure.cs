using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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

    /// <summary>
    /// For a module that has erased its own data of an account (API <paramref name="api"/>): erases the
    /// whole platform account (<see cref="EraseAsync"/>) when no other module still uses it, else only
    /// what belongs to <paramref name="api"/> (its sessions, keys, one-time tokens, webhooks, realtime
    /// slots) and keeps the account, active again, for the other APIs. Still in use means: another
    /// module's <see cref="IAccountFootprint"/> holds data of it; or, for modules that registered none,
    /// any row of their tables names it (an <c>AccountId</c>, <c>OwnerAccountId</c>, <c>OwnerId</c> or
    /// <c>UserId</c> column); or it has sessions, keys or webhooks of another API. True when erased.
    /// </summary>
    Task<bool> EraseUnlessUsedElsewhereAsync(string accountId, string api, CancellationToken cancellationToken = default);
}

internal sealed class AccountErasure(MindstackDbContext db, ICallerChanges callerChanges, IServiceProvider services) : IAccountErasure
{
    /// <summary>Column names that hold an account id in modules' tables (checked when a module registered no footprint).</summary>
    private static readonly string[] AccountColumns = ["AccountId", "OwnerAccountId", "OwnerId", "UserId"];

    private static readonly MethodInfo AnyRowMethod =
        typeof(AccountErasure).GetMethod(nameof(AnyRowAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    public async Task<bool> EraseUnlessUsedElsewhereAsync(string accountId, string api, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(api);
        if (!await UsedElsewhereAsync(accountId, api, cancellationToken))
        {
            await EraseAsync(accountId, cancellationToken);
            return true;
        }
        var sessionIds = db.Set<AccountSession>().Where(s => s.AccountId == accountId && s.Api == api).Select(s => s.Id);
        await db.Set<RefreshToken>().Where(t => sessionIds.Contains(t.SessionId)).ExecuteDeleteAsync(cancellationToken);
        await db.Set<AccountSession>().Where(s => s.AccountId == accountId && s.Api == api).ExecuteDeleteAsync(cancellationToken);
        await db.Set<OneTimeToken>().Where(t => t.AccountId == accountId && t.Api == api).ExecuteDeleteAsync(cancellationToken);
        var keyIds = await db.Set<ApiKey>().Where(k => k.AccountId == accountId && k.Api == api).Select(k => k.Id).ToListAsync(cancellationToken);
        await db.Set<ApiKeyUsage>().Where(u => keyIds.Contains(u.KeyId)).ExecuteDeleteAsync(cancellationToken);
        await db.Set<ApiKey>().Where(k => keyIds.Contains(k.Id)).ExecuteDeleteAsync(cancellationToken);
        if (Has<WebhookDeliveryRow>())
        {
            var deliveryIds = db.Set<WebhookDeliveryRow>().Where(d => d.AccountId == accountId && d.Api == api).Select(d => d.Id);
            await db.Set<WebhookAttemptRow>().Where(a => deliveryIds.Contains(a.DeliveryId)).ExecuteDeleteAsync(cancellationToken);
            await db.Set<WebhookDeliveryRow>().Where(d => d.AccountId == accountId && d.Api == api).ExecuteDeleteAsync(cancellationToken);
            await db.Set<WebhookSubscriptionRow>().Where(s => s.AccountId == accountId && s.Api == api).ExecuteDeleteAsync(cancellationToken);
        }
        if (Has<RealtimeConnectionRow>())
        {
            await db.Set<RealtimeConnectionRow>().Where(c => c.AccountId == accountId && c.Api == api).ExecuteDeleteAsync(cancellationToken);
        }
        if (Has<OutboxEvent>())
        {
            await db.Set<OutboxEvent>().Where(e => e.AccountId == accountId && e.Api == api).ExecuteDeleteAsync(cancellationToken);
        }
        // The account was pending deletion for this API only; the others go on using it.
        await db.Set<Account>().Where(a => a.Id == accountId && a.Status == AccountStatus.PendingDeletion)
            .ExecuteUpdateAsync(u => u.SetProperty(a => a.Status, AccountStatus.Active), cancellationToken);
        await callerChanges.AccountChangedAsync(accountId, cancellationToken);
        return false;
    }

    private async Task<bool> UsedElsewhereAsync(string accountId, string api, CancellationToken cancellationToken)
    {
        // Resolved when asked: a module's footprint may itself depend on this erasure.
        var registered = services.GetServices<IAccountFootprint>().ToList();
        foreach (var footprint in registered.Where(f => f.Api != api))
        {
            if (await footprint.HoldsAsync(accountId, cancellationToken))
            {
                return true;
            }
        }
        if (await db.Set<AccountSession>().AnyAsync(s => s.AccountId == accountId && s.Api != api, cancellationToken)
            || await db.Set<ApiKey>().AnyAsync(k => k.AccountId == accountId && k.Api != api, cancellationToken)
            || (Has<WebhookSubscriptionRow>()
                && await db.Set<WebhookSubscriptionRow>().AnyAsync(s => s.AccountId == accountId && s.Api != api, cancellationToken)))
        {
            return true;
        }
        // Conservative for modules that registered no footprint: any row of their tables naming the account keeps it.
        var answered = registered.Select(f => f.GetType().Assembly).Append(typeof(AccountErasure).Assembly).ToHashSet();
        foreach (var entity in db.Model.GetEntityTypes())
        {
            if (answered.Contains(entity.ClrType.Assembly) || entity.IsOwned() || entity.HasSharedClrType || entity.GetTableName() is null)
            {
                continue;
            }
            foreach (var property in entity.GetProperties().Where(p => p.ClrType == typeof(string) && AccountColumns.Contains(p.Name)))
            {
                var any = (Task<bool>)AnyRowMethod.MakeGenericMethod(entity.ClrType).Invoke(null, [db, property.Name, accountId, cancellationToken])!;
                if (await any)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static Task<bool> AnyRowAsync<T>(MindstackDbContext db, string property, string accountId, CancellationToken cancellationToken)
        where T : class =>
        db.Set<T>().AnyAsync(e => EF.Property<string>(e, property) == accountId, cancellationToken);

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
