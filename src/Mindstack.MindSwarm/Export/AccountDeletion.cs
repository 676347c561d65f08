using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Export;

internal sealed record DeleteAccountRequest(string? Password, string? ConfirmPhrase);

internal sealed record AccountDeletionView(string Message, DateTime ScheduledFor, int GracePeriodDays);

internal sealed record DeletionCancelledView(string Message);

internal sealed record AccountDeletionPayload(string AccountId, long ScheduledTicks);

/// <summary>
/// Section 17's account deletion: asked with the password and the phrase <see cref="ConfirmPhrase"/>,
/// done by <see cref="AccountDeletionJob"/> after <see cref="GracePeriod"/> unless cancelled first by
/// the cancel endpoint or by signing in. Meanwhile the account is <c>pending_deletion</c> (it can
/// still sign in).
/// </summary>
internal sealed class AccountDeletionService(
    MindstackDbContext db,
    IAccountService accounts,
    TimeProvider clock,
    IJobQueue jobs)
{
    public const string ConfirmPhrase = "DELETE MY ACCOUNT";
    public static readonly TimeSpan GracePeriod = TimeSpan.FromDays(7);

    public async Task<AccountDeletionView> RequestAsync(Caller caller, DeleteAccountRequest request, CancellationToken ct)
    {
        if (request.ConfirmPhrase != ConfirmPhrase)
        {
            throw Problem.Invalid("confirmPhrase", $"confirmPhrase must be exactly \"{ConfirmPhrase}\"");
        }
        var account = await accounts.FindAsync(caller.AccountId, ct) ?? throw Problem.Unauthorized("Account not found");
        // A passwordless account (magic link) confirms with the phrase alone.
        if (account.PasswordHash is not null && (string.IsNullOrEmpty(request.Password) || !accounts.VerifyPassword(account, request.Password)))
        {
            throw Problem.Unauthorized("Incorrect password", "INVALID_PASSWORD");
        }
        var existing = await db.Set<AccountDeletionRow>().AsNoTracking().FirstOrDefaultAsync(d => d.AccountId == caller.AccountId, ct);
        if (existing is not null)
        {
            return new AccountDeletionView("Account deletion is already scheduled", existing.ScheduledFor, GracePeriod.Days);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        // Whole milliseconds: the job compares its time with the stored one, and PostgreSQL keeps microseconds.
        var at = now + GracePeriod;
        at = new DateTime(at.Ticks - (at.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
        var row = new AccountDeletionRow { AccountId = caller.AccountId, RequestedAt = now, ScheduledFor = at };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Add(row);
        jobs.Enqueue<AccountDeletionJob>(new AccountDeletionPayload(caller.AccountId, at.Ticks), new JobOptions { RunAt = at });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent request scheduled it first.
            await transaction.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            var first = await db.Set<AccountDeletionRow>().AsNoTracking().FirstAsync(d => d.AccountId == caller.AccountId, ct);
            return new AccountDeletionView("Account deletion is already scheduled", first.ScheduledFor, GracePeriod.Days);
        }
        await accounts.SetStatusAsync(caller.AccountId, AccountStatus.PendingDeletion, ct);
        await transaction.CommitAsync(ct);
        return new AccountDeletionView(
            $"Your account will be deleted on {at:yyyy-MM-dd HH:mm} UTC. Sign in or cancel before then to keep it.", at, GracePeriod.Days);
    }

    public async Task<DeletionCancelledView> CancelAsync(Caller caller, CancellationToken ct)
    {
        if (!await CancelAsync(caller.AccountId, ct))
        {
            throw Problem.NotFound("No account deletion is scheduled", "NO_DELETION_SCHEDULED");
        }
        return new DeletionCancelledView("Account deletion cancelled");
    }

    /// <summary>Cancels a scheduled deletion (signing in does this too); false when none was scheduled.</summary>
    public async Task<bool> CancelAsync(string accountId, CancellationToken ct)
    {
        // The job finds no row and does nothing; a deletion already under way has removed the account.
        if (await db.Set<AccountDeletionRow>().Where(d => d.AccountId == accountId).ExecuteDeleteAsync(ct) == 0)
        {
            return false;
        }
        var account = await accounts.FindAsync(accountId, ct);
        if (account is { Status: AccountStatus.PendingDeletion })
        {
            await accounts.SetStatusAsync(accountId, AccountStatus.Active, ct);
        }
        return true;
    }
}

/// <summary>Deletes the account at the end of its grace period, unless the deletion was cancelled or rescheduled.</summary>
internal sealed class AccountDeletionJob(MindstackDbContext db, AccountEraser eraser, TimeProvider clock) : JobHandler<AccountDeletionPayload>
{
    public const string Name = "mindswarm.account-deletion";

    public override async Task ExecuteAsync(AccountDeletionPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var row = await db.Set<AccountDeletionRow>().AsNoTracking().FirstOrDefaultAsync(d => d.AccountId == payload.AccountId, cancellationToken);
        if (row is null || row.ScheduledFor.Ticks != payload.ScheduledTicks)
        {
            return;
        }
        if (row.ScheduledFor > clock.GetUtcNow().UtcDateTime)
        {
            // Run early (a clock moved back, a retry): the worker tries again after the backoff.
            throw new InvalidOperationException("The grace period has not ended yet");
        }
        await eraser.EraseAsync(payload.AccountId, cancellationToken);
    }
}
