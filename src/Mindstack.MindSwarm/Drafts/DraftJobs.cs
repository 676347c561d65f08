using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Posts;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Drafts;

/// <summary>
/// Publishes a scheduled draft at its time, as its author, through the post rules (once: a draft
/// published, deleted, unscheduled or rescheduled to another time is left alone). A post the rules
/// refuse marks the draft <c>failed</c> with the reason instead of retrying.
/// </summary>
internal sealed class PublishScheduledDraftJob(MindstackDbContext db, DraftService drafts, TimeProvider clock) : JobHandler<DraftJobPayload>
{
    public const string Name = "mindswarm.publish-scheduled-draft";

    public override async Task ExecuteAsync(DraftJobPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var row = await db.Set<DraftRow>().FirstOrDefaultAsync(d => d.Id == payload.DraftId, cancellationToken);
        if (row is not { Status: DraftStatus.Scheduled, ScheduledAt: { } at } || at.Ticks != payload.ScheduledTicks)
        {
            return;
        }
        if (at > clock.GetUtcNow().UtcDateTime)
        {
            // Run early (a clock moved back, a retry): the worker tries again after the backoff.
            throw new InvalidOperationException("The draft's time has not come yet");
        }
        var account = await db.Set<Account>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == row.AccountId, cancellationToken);
        if (account is null || account.Status != AccountStatus.Active)
        {
            await FailAsync(row.Id, "The author's account is not active", cancellationToken);
            return;
        }
        var author = new Author(new Caller
        {
            AccountId = account.Id,
            Api = MindSwarmApi.Name,
            Role = account.Role,
            Tier = account.Tier,
            Method = CallerMethod.AccessToken,
            EmailVerified = account.EmailVerified,
            AccountStatus = account.Status,
        }, null);
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await drafts.PublishRowAsync(author, row, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Problem problem)
        {
            db.ChangeTracker.Clear();
            await FailAsync(row.Id, problem.Message, cancellationToken);
        }
    }

    private Task FailAsync(string draftId, string reason, CancellationToken ct)
    {
        var text = reason.Length <= 500 ? reason : reason[..500];
        return db.Set<DraftRow>().Where(d => d.Id == draftId && d.Status == DraftStatus.Scheduled)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DraftStatus.Failed).SetProperty(d => d.Error, text)
                .SetProperty(d => d.UpdatedAt, clock.GetUtcNow().UtcDateTime), ct);
    }
}
