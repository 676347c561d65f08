using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindPeeker.Users;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker.Billing;

/// <summary>
/// MindPeeker's credits on the platform ledger (currency <c>mp_credits</c>): the included monthly
/// grant of the account's tier, given once per calendar month (UTC) under a reference that makes
/// it idempotent, and the balance.
/// </summary>
internal sealed class MindPeekerCredits(ICreditLedger ledger, MindstackDbContext db, IIdGenerator ids, TimeProvider clock)
{
    public const string Currency = "mp_credits";

    public static string Month(DateTime at) => at.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>The first instant of the month after <paramref name="at"/>: when included credits reset.</summary>
    public static DateTime NextReset(DateTime at) => new DateTime(at.Year, at.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);

    /// <summary>Grants this month's included credits unless already granted (called at sign-up, sign-in and on use).</summary>
    public async Task EnsureMonthlyGrantAsync(string accountId, string? tierName, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var month = Month(now);
        var profile = await db.Set<PeekerProfile>().FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
        if (profile is null)
        {
            profile = new PeekerProfile { AccountId = accountId, CreatedAt = now };
            db.Add(profile);
        }
        else if (profile.LastCreditGrantMonth == month)
        {
            return;
        }
        var tier = Tier.Of(tierName);
        var description = $"{tier.Name} plan: {tier.IncludedCredits} included credits for {month}";
        var grant = await ledger.GrantAsync(accountId, Currency, tier.IncludedCredits, $"mindpeeker:grant:{accountId}:{month}", description,
            cancellationToken);
        profile.LastCreditGrantMonth = month;
        // The billing history shows where credits came from; a replayed grant was recorded by the request that made it.
        CreditPurchase? record = grant.Replayed ? null : new CreditPurchase
        {
            Id = ids.New("txn"),
            AccountId = accountId,
            Type = BillingEndpoints.GrantType,
            Package = tier.Name,
            Credits = tier.IncludedCredits,
            AmountCents = 0,
            Currency = "USD",
            Status = "completed",
            Description = description,
            CreatedAt = now,
        };
        if (record is not null)
        {
            db.Add(record);
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A concurrent first request made the profile; the grant's reference kept it single.
            db.ChangeTracker.Clear();
            if (record is not null)
            {
                db.Add(record);
                await db.SaveChangesAsync(cancellationToken);
            }
        }
    }

    public async Task<long> AvailableAsync(string accountId, CancellationToken cancellationToken) =>
        (await ledger.GetBalanceAsync(accountId, Currency, cancellationToken)).Available;
}
