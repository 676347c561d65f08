using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Billing;

/// <summary>What a ledger movement did.</summary>
public enum LedgerMovementKind
{
    /// <summary>Credits given (from the system's issuance account).</summary>
    Grant,
    /// <summary>Credits or money bought (from the system's sales account), usually after a payment.</summary>
    Purchase,
    /// <summary>Spent: available → revenue.</summary>
    Charge,
    /// <summary>Set aside: available → held, until settled or released.</summary>
    Hold,
    /// <summary>A hold given back: held → available.</summary>
    Release,
    /// <summary>A charge given back: revenue → available.</summary>
    Refund,
    /// <summary>A hold spent: held → revenue.</summary>
    Settle,
}

/// <summary>
/// A movement as recorded. <see cref="Amount"/> is positive; <see cref="BalanceAfter"/> is the
/// owner's available balance right after it. <see cref="Replayed"/> is true when the reference had
/// already been used and this is the original movement, returned again.
/// </summary>
public sealed record LedgerMovement(
    string Id,
    LedgerMovementKind Kind,
    string Reference,
    string OwnerId,
    string Currency,
    long Amount,
    long BalanceAfter,
    string? RelatedMovementId,
    string? Description,
    DateTime CreatedAt,
    bool Replayed = false);

/// <summary>An owner's balance in one currency: what it can spend and what holds set aside.</summary>
public sealed record LedgerBalance(string OwnerId, string Currency, long Available, long Held)
{
    public long Total => Available + Held;
}

/// <summary>A settled hold: the charged part, and the released rest (null when nothing was left).</summary>
public sealed record HoldSettlement(LedgerMovement Settle, LedgerMovement? Release);

/// <summary>Which movements of an owner to list: newest first, <see cref="From"/> inclusive, <see cref="To"/> exclusive.</summary>
public sealed record LedgerHistoryQuery(string OwnerId)
{
    public string? Currency { get; init; }

    public DateTime? From { get; init; }

    public DateTime? To { get; init; }

    public IReadOnlyList<LedgerMovementKind>? Kinds { get; init; }

    public int Offset { get; init; }

    public int Limit { get; init; } = 20;
}

public sealed record LedgerHistoryPage(IReadOnlyList<LedgerMovement> Items, int Total, int Offset, int Limit);

/// <summary>The owner id of the system's own accounts (issuance, sales, revenue).</summary>
public static class LedgerOwners
{
    public const string System = "system";
}

/// <summary>
/// The double-entry credit ledger every API's credits and wallets use. Each owner has, per currency
/// (<c>credits</c>, <c>usd_cents</c>…, lowercase), an available and a held account; a balance is the
/// sum of an account's entries, never a stored number. Every movement is a set of entries summing to
/// zero, written in one transaction under a unique <c>reference</c>: repeating a movement with a
/// used reference writes nothing and returns the original (<see cref="LedgerMovement.Replayed"/>);
/// using it for a different movement is a <see cref="ProblemKind.Conflict"/>. A movement that would
/// take an owner's available balance below zero is a <see cref="ProblemKind.PaymentRequired"/>
/// problem (the module's Dialect names it: <c>INSUFFICIENT_CREDITS</c>, <c>INSUFFICIENT_BALANCE</c>),
/// with <c>{required, available, currency}</c> as details. Concurrent movements of one owner are
/// serialized (the owner's account row is locked on PostgreSQL; SQLite has one writer), so no
/// interleaving overdraws. A movement joins the caller's open transaction on the scoped
/// <see cref="MindstackDbContext"/> (and saves its pending changes with it); otherwise it commits
/// its own. Amounts are whole units (<c>long</c>). Scoped.
/// </summary>
public interface ICreditLedger
{
    Task<LedgerMovement> GrantAsync(string ownerId, string currency, long amount, string reference, string? description = null,
        CancellationToken cancellationToken = default);

    /// <summary>Credits bought and paid for (see <see cref="IPayments"/>, which calls this after the provider accepts).</summary>
    Task<LedgerMovement> PurchaseAsync(string ownerId, string currency, long amount, string reference, string? description = null,
        CancellationToken cancellationToken = default);

    Task<LedgerMovement> ChargeAsync(string ownerId, string currency, long amount, string reference, string? description = null,
        CancellationToken cancellationToken = default);

    /// <summary>Sets credits aside for work whose final cost is not known yet; the movement's id is the hold's id.</summary>
    Task<LedgerMovement> HoldAsync(string ownerId, string currency, long amount, string reference, string? description = null,
        CancellationToken cancellationToken = default);

    /// <summary>Charges <paramref name="amount"/> (at most the hold, possibly 0) of a hold and releases the rest, closing it.</summary>
    Task<HoldSettlement> SettleAsync(string holdId, long amount, string reference, string? description = null,
        CancellationToken cancellationToken = default);

    /// <summary>Gives a whole hold back, closing it.</summary>
    Task<LedgerMovement> ReleaseAsync(string holdId, string reference, string? description = null, CancellationToken cancellationToken = default);

    /// <summary>Gives back part or all of a charge or settle; refunds of one charge never exceed it.</summary>
    Task<LedgerMovement> RefundAsync(string movementId, long amount, string reference, string? description = null,
        CancellationToken cancellationToken = default);

    Task<LedgerBalance> GetBalanceAsync(string ownerId, string currency, CancellationToken cancellationToken = default);

    Task<LedgerHistoryPage> GetHistoryAsync(LedgerHistoryQuery query, CancellationToken cancellationToken = default);

    Task<LedgerMovement?> FindAsync(string movementId, CancellationToken cancellationToken = default);

    /// <summary>
    /// For each of these holds that is closed, the movement that closed it (a <see cref="LedgerMovementKind.Settle"/>
    /// or a <see cref="LedgerMovementKind.Release"/>); a hold still open is not in the answer.
    /// </summary>
    Task<IReadOnlyDictionary<string, LedgerMovement>> GetClosingsAsync(IReadOnlyCollection<string> holdIds,
        CancellationToken cancellationToken = default);

    Task<LedgerMovement?> FindByReferenceAsync(string reference, CancellationToken cancellationToken = default);
}

internal sealed partial class CreditLedger(MindstackDbContext db, IIdGenerator ids, TimeProvider clock) : ICreditLedger
{
    [GeneratedRegex("^[a-z][a-z0-9_]{0,15}$")]
    private static partial Regex CurrencyPattern();

    public Task<LedgerMovement> GrantAsync(string ownerId, string currency, long amount, string reference, string? description = null,
        CancellationToken cancellationToken = default) =>
        FromSystemAsync(LedgerMovementKind.Grant, LedgerAccountKinds.Issuance, ownerId, currency, amount, reference, description, cancellationToken);

    public Task<LedgerMovement> PurchaseAsync(string ownerId, string currency, long amount, string reference, string? description = null,
        CancellationToken cancellationToken = default) =>
        FromSystemAsync(LedgerMovementKind.Purchase, LedgerAccountKinds.Sales, ownerId, currency, amount, reference, description, cancellationToken);

    public Task<LedgerMovement> ChargeAsync(string ownerId, string currency, long amount, string reference, string? description = null,
        CancellationToken cancellationToken = default) =>
        SpendAsync(LedgerMovementKind.Charge, LedgerAccountKinds.Revenue, ownerId, currency, amount, reference, description, cancellationToken);

    public Task<LedgerMovement> HoldAsync(string ownerId, string currency, long amount, string reference, string? description = null,
        CancellationToken cancellationToken = default) =>
        SpendAsync(LedgerMovementKind.Hold, LedgerAccountKinds.Held, ownerId, currency, amount, reference, description, cancellationToken);

    public async Task<HoldSettlement> SettleAsync(string holdId, long amount, string reference, string? description = null,
        CancellationToken cancellationToken = default)
    {
        ValidReference(reference);
        if (amount < 0)
        {
            throw Problem.Invalid("amount", "The amount to settle cannot be negative");
        }
        var hold = await HoldToCloseAsync(holdId, cancellationToken);
        return await InTransactionAsync(async () =>
        {
            var accounts = await AccountsAsync(hold.OwnerId, hold.Currency, LedgerAccountKinds.Revenue, cancellationToken);
            await LockAsync(accounts.Available, cancellationToken);
            if (await db.Set<LedgerMovementRow>().AsNoTracking().SingleOrDefaultAsync(m => m.Reference == reference, cancellationToken) is { } done)
            {
                // A repeated settle: the same hold and amount (settling 0 wrote a release) returns what it did.
                var same = done.RelatedMovementId == hold.Id
                    && ((done.Kind == LedgerMovementKind.Settle && done.Amount == amount)
                        || (done.Kind == LedgerMovementKind.Release && amount == 0 && done.ClosesHoldId == hold.Id));
                if (!same)
                {
                    throw Problem.Conflict($"Reference '{reference}' was already used for a different movement");
                }
                var remainder = await FindByReferenceAsync(reference + ":release", cancellationToken);
                return new HoldSettlement(View(done) with { Replayed = true }, remainder is null ? null : remainder with { Replayed = true });
            }
            await EnsureOpenAsync(hold, cancellationToken);
            if (amount > hold.Amount)
            {
                throw Problem.Invalid("amount", $"Cannot settle {amount} of a hold of {hold.Amount}");
            }
            var available = await SumAsync(accounts.Available, cancellationToken);
            var rest = hold.Amount - amount;
            if (amount == 0)
            {
                // Nothing to charge: the whole hold goes back, and that closes it.
                var onlyRelease = Movement(LedgerMovementKind.Release, reference, hold, hold.Amount, available + hold.Amount, description, closes: true);
                Entries(onlyRelease, (accounts.Held, -hold.Amount), (accounts.Available, hold.Amount));
                await db.SaveChangesAsync(cancellationToken);
                return new HoldSettlement(View(onlyRelease), null);
            }
            var settle = Movement(LedgerMovementKind.Settle, reference, hold, amount, available + rest, description, closes: true);
            Entries(settle, (accounts.Held, -amount), (accounts.System, amount));
            LedgerMovementRow? released = null;
            if (rest > 0)
            {
                released = Movement(LedgerMovementKind.Release, reference + ":release", hold, rest, available + rest, description, closes: false);
                Entries(released, (accounts.Held, -rest), (accounts.Available, rest));
            }
            await db.SaveChangesAsync(cancellationToken);
            return new HoldSettlement(View(settle), released is null ? null : View(released));
        }, reference, cancellationToken);
    }

    public async Task<LedgerMovement> ReleaseAsync(string holdId, string reference, string? description = null, CancellationToken cancellationToken = default)
    {
        ValidReference(reference);
        var hold = await HoldToCloseAsync(holdId, cancellationToken);
        return await InTransactionAsync(async () =>
        {
            var accounts = await AccountsAsync(hold.OwnerId, hold.Currency, null, cancellationToken);
            await LockAsync(accounts.Available, cancellationToken);
            if (await ReplayAsync(reference, LedgerMovementKind.Release, hold.OwnerId, hold.Currency, hold.Amount, hold.Id, cancellationToken) is { } replayed)
            {
                return replayed;
            }
            await EnsureOpenAsync(hold, cancellationToken);
            var available = await SumAsync(accounts.Available, cancellationToken);
            var release = Movement(LedgerMovementKind.Release, reference, hold, hold.Amount, available + hold.Amount, description, closes: true);
            Entries(release, (accounts.Held, -hold.Amount), (accounts.Available, hold.Amount));
            await db.SaveChangesAsync(cancellationToken);
            return View(release);
        }, reference, cancellationToken);
    }

    public async Task<LedgerMovement> RefundAsync(string movementId, long amount, string reference, string? description = null,
        CancellationToken cancellationToken = default)
    {
        ValidReference(reference);
        ValidAmount(amount);
        var charge = await db.Set<LedgerMovementRow>().AsNoTracking().SingleOrDefaultAsync(m => m.Id == movementId, cancellationToken)
            ?? throw Problem.NotFound($"No ledger movement '{movementId}'");
        if (charge.Kind is not (LedgerMovementKind.Charge or LedgerMovementKind.Settle))
        {
            throw Problem.Conflict($"Movement '{movementId}' is a {charge.Kind.ToString().ToLowerInvariant()}; only charges can be refunded");
        }
        return await InTransactionAsync(async () =>
        {
            var accounts = await AccountsAsync(charge.OwnerId, charge.Currency, LedgerAccountKinds.Revenue, cancellationToken);
            await LockAsync(accounts.Available, cancellationToken);
            if (await ReplayAsync(reference, LedgerMovementKind.Refund, charge.OwnerId, charge.Currency, amount, charge.Id, cancellationToken) is { } replayed)
            {
                return replayed;
            }
            var refunded = await db.Set<LedgerMovementRow>()
                .Where(m => m.RelatedMovementId == charge.Id && m.Kind == LedgerMovementKind.Refund)
                .SumAsync(m => m.Amount, cancellationToken);
            if (refunded + amount > charge.Amount)
            {
                throw Problem.Conflict($"Cannot refund {amount}: {charge.Amount - refunded} of movement '{charge.Id}' is left to refund");
            }
            var available = await SumAsync(accounts.Available, cancellationToken);
            var refund = Movement(LedgerMovementKind.Refund, reference, charge, amount, available + amount, description, closes: false);
            Entries(refund, (accounts.System, -amount), (accounts.Available, amount));
            await db.SaveChangesAsync(cancellationToken);
            return View(refund);
        }, reference, cancellationToken);
    }

    private sealed record AccountSum(string Kind, long Sum);

    // Compiled once per model: balances are read on hot paths (a profile, a wallet), so no LINQ work per call.
    private static readonly CompiledQuery<Func<MindstackDbContext, string, string, IAsyncEnumerable<AccountSum>>> AccountSums = new(() =>
        EF.CompileAsyncQuery((MindstackDbContext db, string ownerId, string currency) =>
            db.Set<LedgerAccountRow>().AsNoTracking()
                .Where(a => a.OwnerId == ownerId && a.Currency == currency)
                .Select(a => new AccountSum(a.Kind, db.Set<LedgerEntryRow>().Where(e => e.AccountId == a.Id).Sum(e => (long?)e.Amount) ?? 0))));

    public async Task<LedgerBalance> GetBalanceAsync(string ownerId, string currency, CancellationToken cancellationToken = default)
    {
        // One round trip: each of the owner's accounts in this currency with the sum of its entries.
        var sums = new List<AccountSum>(2);
        await foreach (var sum in AccountSums.For(db)(db, ownerId, currency).WithCancellation(cancellationToken))
        {
            sums.Add(sum);
        }
        return new LedgerBalance(ownerId, currency,
            sums.FirstOrDefault(a => a.Kind == LedgerAccountKinds.Available)?.Sum ?? 0,
            sums.FirstOrDefault(a => a.Kind == LedgerAccountKinds.Held)?.Sum ?? 0);
    }

    public async Task<LedgerHistoryPage> GetHistoryAsync(LedgerHistoryQuery query, CancellationToken cancellationToken = default)
    {
        var movements = db.Set<LedgerMovementRow>().AsNoTracking().Where(m => m.OwnerId == query.OwnerId);
        if (query.Currency is { } currency)
        {
            movements = movements.Where(m => m.Currency == currency);
        }
        if (query.From is { } from)
        {
            var fromUtc = from.ToUniversalTime();
            movements = movements.Where(m => m.CreatedAt >= fromUtc);
        }
        if (query.To is { } to)
        {
            var toUtc = to.ToUniversalTime();
            movements = movements.Where(m => m.CreatedAt < toUtc);
        }
        if (query.Kinds is { Count: > 0 } kinds)
        {
            var kindList = kinds.ToList();
            movements = movements.Where(m => kindList.Contains(m.Kind));
        }
        var offset = Math.Max(0, query.Offset);
        var limit = Math.Clamp(query.Limit, 1, 500);
        var total = await movements.CountAsync(cancellationToken);
        var page = await movements.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Skip(offset).Take(limit).ToListAsync(cancellationToken);
        return new LedgerHistoryPage(page.Select(m => View(m)).ToList(), total, offset, limit);
    }

    public async Task<IReadOnlyDictionary<string, LedgerMovement>> GetClosingsAsync(IReadOnlyCollection<string> holdIds,
        CancellationToken cancellationToken = default)
    {
        if (holdIds.Count == 0)
        {
            return new Dictionary<string, LedgerMovement>();
        }
        var ids = holdIds.Distinct(StringComparer.Ordinal).ToList();
        var closings = await db.Set<LedgerMovementRow>().AsNoTracking()
            .Where(m => m.ClosesHoldId != null && ids.Contains(m.ClosesHoldId))
            .ToListAsync(cancellationToken);
        return closings.ToDictionary(m => m.ClosesHoldId!, m => View(m), StringComparer.Ordinal);
    }

    public async Task<LedgerMovement?> FindAsync(string movementId, CancellationToken cancellationToken = default) =>
        await db.Set<LedgerMovementRow>().AsNoTracking().SingleOrDefaultAsync(m => m.Id == movementId, cancellationToken) is { } row ? View(row) : null;

    public async Task<LedgerMovement?> FindByReferenceAsync(string reference, CancellationToken cancellationToken = default) =>
        await db.Set<LedgerMovementRow>().AsNoTracking().SingleOrDefaultAsync(m => m.Reference == reference, cancellationToken) is { } row ? View(row) : null;

    /// <summary>Grant or purchase: the system's account pays the owner's available account.</summary>
    private async Task<LedgerMovement> FromSystemAsync(LedgerMovementKind kind, string systemKind, string ownerId, string currency, long amount,
        string reference, string? description, CancellationToken cancellationToken)
    {
        Validate(ownerId, currency, amount, reference);
        return await InTransactionAsync(async () =>
        {
            var accounts = await AccountsAsync(ownerId, currency, systemKind, cancellationToken);
            await LockAsync(accounts.Available, cancellationToken);
            if (await ReplayAsync(reference, kind, ownerId, currency, amount, null, cancellationToken) is { } replayed)
            {
                return replayed;
            }
            var available = await SumAsync(accounts.Available, cancellationToken);
            var movement = Movement(kind, reference, ownerId, currency, amount, available + amount, null, description, closes: false);
            Entries(movement, (accounts.System, -amount), (accounts.Available, amount));
            await db.SaveChangesAsync(cancellationToken);
            return View(movement);
        }, reference, cancellationToken);
    }

    /// <summary>Charge or hold: the owner's available account pays, never below zero.</summary>
    private async Task<LedgerMovement> SpendAsync(LedgerMovementKind kind, string targetKind, string ownerId, string currency, long amount,
        string reference, string? description, CancellationToken cancellationToken)
    {
        Validate(ownerId, currency, amount, reference);
        return await InTransactionAsync(async () =>
        {
            var accounts = await AccountsAsync(ownerId, currency, targetKind == LedgerAccountKinds.Held ? null : targetKind, cancellationToken);
            await LockAsync(accounts.Available, cancellationToken);
            if (await ReplayAsync(reference, kind, ownerId, currency, amount, null, cancellationToken) is { } replayed)
            {
                return replayed;
            }
            var available = await SumAsync(accounts.Available, cancellationToken);
            if (available < amount)
            {
                throw new Problem(ProblemKind.PaymentRequired,
                    $"Insufficient {currency}: {amount} required, {available} available",
                    details: new { required = amount, available, currency });
            }
            var target = targetKind == LedgerAccountKinds.Held ? accounts.Held : accounts.System;
            var movement = Movement(kind, reference, ownerId, currency, amount, available - amount, null, description, closes: false);
            Entries(movement, (accounts.Available, -amount), (target, amount));
            await db.SaveChangesAsync(cancellationToken);
            return View(movement);
        }, reference, cancellationToken);
    }

    /// <summary>
    /// Runs a movement in the caller's transaction if one is open, else in its own. A unique-reference
    /// race lost to another owner's movement ends as that movement's replay (or a conflict).
    /// </summary>
    private async Task<T> InTransactionAsync<T>(Func<Task<T>> work, string reference, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return await work();
        }
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            try
            {
                var result = await work();
                await transaction.CommitAsync(cancellationToken);
                return result;
            }
            catch (DbUpdateException) when (attempt == 1)
            {
                await transaction.RollbackAsync(CancellationToken.None);
                db.ChangeTracker.Clear();
                // Another movement took the reference between our check and our insert (an owner
                // other than the one locked): the second pass finds it and replays or refuses it.
                if (!await db.Set<LedgerMovementRow>().AsNoTracking().AnyAsync(m => m.Reference == reference, cancellationToken))
                {
                    throw;
                }
            }
            catch
            {
                await transaction.RollbackAsync(CancellationToken.None);
                db.ChangeTracker.Clear();
                throw;
            }
        }
    }

    private sealed record Accounts(string Available, string Held, string System);

    /// <summary>The owner's available and held accounts and, if named, one system account; made on first use.</summary>
    private async Task<Accounts> AccountsAsync(string ownerId, string currency, string? systemKind, CancellationToken cancellationToken)
    {
        var wanted = new List<(string Owner, string Kind)> { (ownerId, LedgerAccountKinds.Available), (ownerId, LedgerAccountKinds.Held) };
        if (systemKind is not null)
        {
            wanted.Add((LedgerOwners.System, systemKind));
        }
        var found = await LoadAccountsAsync(ownerId, currency, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var (owner, kind) in wanted.Where(w => !found.ContainsKey(w)))
        {
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO billing_accounts (id, owner_id, currency, kind, created_at) VALUES ({ids.New("lacct")}, {owner}, {currency}, {kind}, {now}) ON CONFLICT (owner_id, currency, kind) DO NOTHING",
                cancellationToken);
        }
        if (wanted.Any(w => !found.ContainsKey(w)))
        {
            found = await LoadAccountsAsync(ownerId, currency, cancellationToken);
        }
        return new Accounts(
            found[(ownerId, LedgerAccountKinds.Available)],
            found[(ownerId, LedgerAccountKinds.Held)],
            systemKind is null ? "" : found[(LedgerOwners.System, systemKind)]);
    }

    private async Task<Dictionary<(string, string), string>> LoadAccountsAsync(string ownerId, string currency, CancellationToken cancellationToken) =>
        (await db.Set<LedgerAccountRow>().AsNoTracking()
            .Where(a => a.Currency == currency && (a.OwnerId == ownerId || a.OwnerId == LedgerOwners.System))
            .ToListAsync(cancellationToken))
        .ToDictionary(a => (a.OwnerId, a.Kind), a => a.Id);

    /// <summary>Serializes an owner's movements: a row lock on PostgreSQL; SQLite's write lock is already held.</summary>
    private async Task LockAsync(string availableAccountId, CancellationToken cancellationToken)
    {
        if (db.Provider == DatabaseProvider.Postgres)
        {
            await db.Database.ExecuteSqlAsync($"SELECT 1 FROM billing_accounts WHERE id = {availableAccountId} FOR UPDATE", cancellationToken);
        }
    }

    private Task<long> SumAsync(string accountId, CancellationToken cancellationToken) =>
        db.Set<LedgerEntryRow>().Where(e => e.AccountId == accountId).SumAsync(e => e.Amount, cancellationToken);

    /// <summary>The original movement when <paramref name="reference"/> was used for this same movement; a conflict when for another.</summary>
    private async Task<LedgerMovement?> ReplayAsync(string reference, LedgerMovementKind kind, string ownerId, string currency, long amount,
        string? relatedId, CancellationToken cancellationToken)
    {
        var existing = await db.Set<LedgerMovementRow>().AsNoTracking().SingleOrDefaultAsync(m => m.Reference == reference, cancellationToken);
        if (existing is null)
        {
            return null;
        }
        if (existing.Kind != kind || existing.OwnerId != ownerId || existing.Currency != currency || existing.Amount != amount
            || existing.RelatedMovementId != relatedId)
        {
            // Settling 0 writes a release under the reference; that is checked by the caller.
            if (kind == LedgerMovementKind.Settle && amount == 0)
            {
                return null;
            }
            throw Problem.Conflict($"Reference '{reference}' was already used for a different movement");
        }
        return View(existing) with { Replayed = true };
    }

    private async Task<LedgerMovementRow> HoldToCloseAsync(string holdId, CancellationToken cancellationToken)
    {
        var hold = await db.Set<LedgerMovementRow>().AsNoTracking().SingleOrDefaultAsync(m => m.Id == holdId, cancellationToken)
            ?? throw Problem.NotFound($"No hold '{holdId}'");
        return hold.Kind == LedgerMovementKind.Hold ? hold : throw Problem.Conflict($"Movement '{holdId}' is not a hold");
    }

    private async Task EnsureOpenAsync(LedgerMovementRow hold, CancellationToken cancellationToken)
    {
        if (await db.Set<LedgerMovementRow>().AnyAsync(m => m.ClosesHoldId == hold.Id, cancellationToken))
        {
            throw Problem.Conflict($"Hold '{hold.Id}' was already settled or released");
        }
    }

    private LedgerMovementRow Movement(LedgerMovementKind kind, string reference, LedgerMovementRow related, long amount, long balanceAfter,
        string? description, bool closes) =>
        Movement(kind, reference, related.OwnerId, related.Currency, amount, balanceAfter, related.Id, description, closes);

    private LedgerMovementRow Movement(LedgerMovementKind kind, string reference, string ownerId, string currency, long amount, long balanceAfter,
        string? relatedId, string? description, bool closes)
    {
        var row = new LedgerMovementRow
        {
            Id = ids.New("txn"),
            Kind = kind,
            Reference = reference,
            OwnerId = ownerId,
            Currency = currency,
            Amount = amount,
            BalanceAfter = balanceAfter,
            RelatedMovementId = relatedId,
            ClosesHoldId = closes ? relatedId : null,
            Description = description is { Length: > 500 } ? description[..500] : description,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Add(row);
        return row;
    }

    private void Entries(LedgerMovementRow movement, params (string Account, long Amount)[] entries)
    {
        if (entries.Sum(e => e.Amount) != 0)
        {
            throw new InvalidOperationException("A movement's entries must balance");
        }
        foreach (var (account, amount) in entries)
        {
            db.Add(new LedgerEntryRow { Id = ids.New("entry"), MovementId = movement.Id, AccountId = account, Amount = amount, CreatedAt = movement.CreatedAt });
        }
    }

    private static void Validate(string ownerId, string currency, long amount, string reference)
    {
        if (string.IsNullOrWhiteSpace(ownerId) || ownerId.Length > 64 || ownerId == LedgerOwners.System)
        {
            throw Problem.Invalid("owner_id", "A ledger owner is an id of at most 64 characters");
        }
        if (currency is null || !CurrencyPattern().IsMatch(currency))
        {
            throw Problem.Invalid("currency", "A currency is a lowercase code such as credits or usd_cents");
        }
        ValidAmount(amount);
        ValidReference(reference);
    }

    private static void ValidAmount(long amount)
    {
        if (amount <= 0)
        {
            throw Problem.Invalid("amount", "The amount must be a positive whole number");
        }
    }

    private static void ValidReference(string reference)
    {
        if (string.IsNullOrWhiteSpace(reference) || reference.Length > 200)
        {
            throw Problem.Invalid("reference", "A movement needs a reference of at most 200 characters");
        }
    }

    internal static LedgerMovement View(LedgerMovementRow m) =>
        new(m.Id, m.Kind, m.Reference, m.OwnerId, m.Currency, m.Amount, m.BalanceAfter, m.RelatedMovementId, m.Description, m.CreatedAt);
}
