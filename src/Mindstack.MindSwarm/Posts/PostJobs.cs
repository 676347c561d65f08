using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Groups;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Posts;

internal sealed record PostJobPayload(string PostId);

/// <summary>Publishes a scheduled post at its time (once: a published or deleted post is left alone).</summary>
internal sealed class PublishScheduledPostJob(MindstackDbContext db, PostService posts, GroupService groups) : JobHandler<PostJobPayload>
{
    public const string Name = "mindswarm.publish-scheduled-post";

    public override async Task ExecuteAsync(PostJobPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var row = await db.Set<PostRow>().FirstOrDefaultAsync(p => p.Id == payload.PostId, cancellationToken);
        if (row is null || row.PublishedAt is not null || row.DeletedAt is not null)
        {
            return;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await posts.PublishAsync(row, cancellationToken);
        // A scheduled group post is announced to its group now (a group deleted meanwhile: nothing to tell).
        if (row.GroupId is { } groupId && await db.Set<GroupRow>().AsNoTracking().FirstOrDefaultAsync(g => g.Id == groupId, cancellationToken) is { } group)
        {
            await groups.AnnounceAsync(group, row, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>
/// Closes a poll at its end time and announces the result to its author (<c>poll-ended</c>).
/// Votes are refused from the end time on whether or not this has run yet.
/// </summary>
internal sealed class ClosePollJob(MindstackDbContext db, PostService posts, TimeProvider clock) : JobHandler<PostJobPayload>
{
    public const string Name = "mindswarm.close-poll";

    public override async Task ExecuteAsync(PostJobPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var row = await db.Set<PostRow>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == payload.PostId, cancellationToken);
        if (row?.PollEndsAt is not { } ends || row.PollClosed || row.DeletedAt is not null)
        {
            return;
        }
        if (ends > clock.GetUtcNow().UtcDateTime)
        {
            // Run early (a clock moved back, a retry): the worker tries again after the backoff.
            throw new InvalidOperationException("The poll has not ended yet");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var closed = await db.Set<PostRow>().Where(p => p.Id == row.Id && !p.PollClosed)
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.PollClosed, true), cancellationToken);
        if (closed == 1)
        {
            var options = await db.Set<PollOptionRow>().AsNoTracking().Where(o => o.PostId == row.Id).OrderBy(o => o.Position)
                .Select(o => new PollOptionView(o.Position, o.Text, o.Votes)).ToListAsync(cancellationToken);
            posts.Publish(MindSwarmEvents.PollEnded, row, row.AuthorId,
                new PollEndedData(row.Id, row.ShortId, row.AuthorId, options, options.Sum(o => o.Votes)), toAccount: false);
            await db.SaveChangesAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>
/// Fills a post's <c>aiDetection</c> with the AI engine's verdict on its text after an edit, or after
/// publishing when detection is routed to a remote model (with the built-in engine a new post gets it inline).
/// </summary>
internal sealed class DetectAiJob(MindstackDbContext db, IAiEngine ai, TimeProvider clock, MindSwarmDialect dialect) : JobHandler<PostJobPayload>
{
    public const string Name = "mindswarm.detect-ai";

    public override async Task ExecuteAsync(PostJobPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var row = await db.Set<PostRow>().FirstOrDefaultAsync(p => p.Id == payload.PostId, cancellationToken);
        if (row is null || row.DeletedAt is not null || row.AiDetectionJson is not null)
        {
            return;
        }
        var content = row.Content;
        var (json, verdict) = await DetectAsync(ai, content, clock, dialect, cancellationToken);
        // Only if the text is still the one scanned (an edit meanwhile queues its own scan).
        await db.Set<PostRow>().Where(p => p.Id == row.Id && p.Content == content && p.AiDetectionJson == null)
            .ExecuteUpdateAsync(u => u
                .SetProperty(p => p.AiDetectionJson, json)
                .SetProperty(p => p.AiVerdict, verdict), cancellationToken);
    }

    /// <summary>The engine's verdict on a post's text, as the post stores it (<c>aiDetection</c>) and its verdict alone.</summary>
    public static async Task<(string Json, string? Verdict)> DetectAsync(IAiEngine ai, string content, TimeProvider clock, MindSwarmDialect dialect,
        CancellationToken cancellationToken)
    {
        string? verdict = null;
        double? confidence = null;
        if (content.Trim().Length > 0)
        {
            var result = await ai.DetectGeneratedAsync(content, cancellationToken: cancellationToken);
            verdict = result.Value.Verdict;
            confidence = Math.Round(result.Value.Confidence, 4);
        }
        var detection = new
        {
            Verdict = verdict,
            Confidence = confidence,
            TextVerdict = verdict,
            TextConfidence = confidence,
            ImageVerdict = (string?)null,
            ImageConfidence = (double?)null,
            ScannedAt = clock.GetUtcNow().UtcDateTime,
        };
        return (JsonSerializer.Serialize(detection, dialect.Json), verdict);
    }
}
