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

    /// <summary>
    /// Grants this month's included credits unless already granted (called at sign-up, sign-in and on
    /// use). When an operator raised the tier after this month's grant, the difference to the new
    /// tier's included credits is granted at once; a lower tier takes nothing back.
    /// </summary>
    public async Task EnsureMonthlyGrantAsync(string accountId, string? tierName, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var month = Month(now);
        var tier = Tier.Of(tierName);
        var profile = await db.Set<PeekerProfile>().FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
        if (profile is null)
        {
            profile = new PeekerProfile { AccountId = accountId, CreatedAt = now };
            db.Add(profile);
        }
        else if (profile.LastCreditGrantMonth == month && profile.LastCreditGrantTier == tier.Name)
        {
            return;
        }
        var amount = tier.IncludedCredits;
        var reference = $"mindpeeker:grant:{accountId}:{month}";
        var description = $"{tier.Name} plan: {tier.IncludedCredits} included credits for {month}";
        if (profile.LastCreditGrantMonth == month)
        {
            var monthStart = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
            var granted = await db.Set<CreditPurchase>()
                .Where(p => p.AccountId == accountId && p.Type == BillingEndpoints.GrantType && p.CreatedAt >= monthStart)
                .SumAsync(p => p.Credits, cancellationToken);
            amount = tier.IncludedCredits - granted;
            profile.LastCreditGrantTier = tier.Name;
            if (amount <= 0)
            {
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
            // One top-up per tier and month, whichever node or request gets here first.
            reference += ":" + tier.Name;
            description = $"{tier.Name} plan: {amount} more included credits for {month} (plan raised)";
        }
        var grant = await ledger.GrantAsync(accountId, Currency, amount, reference, description, cancellationToken);
        profile.LastCreditGrantMonth = month;
        profile.LastCreditGrantTier = tier.Name;
        // The billing history shows where credits came from; a replayed grant was recorded by the request that made it.
        CreditPurchase? record = grant.Replayed ? null : new CreditPurchase
        {
            Id = ids.New("txn"),
            AccountId = accountId,
            Type = BillingEndpoints.GrantType,
            Package = tier.Name,
            Credits = amount,
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
