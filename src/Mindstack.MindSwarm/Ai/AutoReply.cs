using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Ai;

internal sealed record AutoReplyToggleRequest(bool? Enabled, string? ApiKeyId, JsonElement? Settings);

internal sealed record AutoReplyView(bool Enabled, string? ApiKeyId, JsonElement Settings, DateTime UpdatedAt);

/// <summary>The auto-reply switch (section 10): on, a mention of the user is answered by an AI reply in their name.</summary>
internal sealed class AutoReplySettings(MindstackDbContext db, TimeProvider clock, AiKeys keys, MindSwarmDialect dialect)
{
    private const int MaxSettingsLength = 2000;

    public async Task<AutoReplyView> ToggleAsync(Caller caller, AutoReplyToggleRequest request, CancellationToken ct)
    {
        if (request.Enabled is not { } enabled)
        {
            throw Problem.Invalid("enabled", "enabled (true or false) is required");
        }
        var settings = "{}";
        if (request.Settings is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } given)
        {
            if (given.ValueKind != JsonValueKind.Object)
            {
                throw Problem.Invalid("settings", "settings must be an object");
            }
            settings = given.GetRawText();
            if (settings.Length > MaxSettingsLength)
            {
                throw Problem.Invalid("settings", $"settings may be at most {MaxSettingsLength} characters of JSON");
            }
        }
        string? keyId = null;
        if (!string.IsNullOrWhiteSpace(request.ApiKeyId))
        {
            keyId = (await keys.RequireOwnAsync(caller.AccountId, request.ApiKeyId.Trim(), ct)).Id;
        }
        var row = await db.Set<AutoReplyRow>().FirstOrDefaultAsync(a => a.AccountId == caller.AccountId, ct);
        if (row is null)
        {
            row = new AutoReplyRow { AccountId = caller.AccountId };
            db.Add(row);
        }
        row.Enabled = enabled;
        row.KeyId = keyId ?? (request.ApiKeyId is null ? row.KeyId : null);
        if (request.Settings is not null)
        {
            row.SettingsJson = settings;
        }
        row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two first toggles at once: the other one made the row; this one is applied over it.
            db.ChangeTracker.Clear();
            return await ToggleAsync(caller, request, ct);
        }
        return View(row);
    }

    private AutoReplyView View(AutoReplyRow row) =>
        new(row.Enabled, row.KeyId, JsonSerializer.Deserialize<JsonElement>(row.SettingsJson, dialect.Json), row.UpdatedAt);
}

/// <summary>When a user with auto-reply on is mentioned, a durable job writes the reply (the dispatch transaction enqueues it).</summary>
internal sealed class AutoReplyOnMention(MindstackDbContext db, IJobQueue jobs) : IEventSubscriber
{
    public async Task HandleAsync(DomainEvent domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.Api != MindSwarmApi.Name || domainEvent.Type != MindSwarmEvents.PostMentioned || domainEvent.AccountId is not { } mentioned
            || !domainEvent.Data.TryGetProperty("postId", out var id) || id.GetString() is not { } postId)
        {
            return;
        }
        if (await db.Set<AutoReplyRow>().AnyAsync(a => a.AccountId == mentioned && a.Enabled, cancellationToken))
        {
            jobs.Enqueue<AutoReplyJob>(new AutoReplyPayload(mentioned, postId));
            await db.SaveChangesAsync(cancellationToken);
        }
    }
}

internal sealed record AutoReplyPayload(string AccountId, string PostId);

/// <summary>
/// Writes the AI reply to a post that mentioned the user, with their chosen key (or the platform's
/// engine) and tone. Once per mention (a row keyed by user and post); never to the user's own post
/// nor to another auto-reply, so two auto-replying accounts cannot answer each other forever.
/// </summary>
internal sealed class AutoReplyJob(MindstackDbContext db, AiFeatures features, AiKeys keys, TimeProvider clock, ILogger<AutoReplyJob> logger)
    : JobHandler<AutoReplyPayload>
{
    public const string Name = "mindswarm.ai-auto-reply";

    public override async Task ExecuteAsync(AutoReplyPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var settings = await db.Set<AutoReplyRow>().AsNoTracking().FirstOrDefaultAsync(a => a.AccountId == payload.AccountId, cancellationToken);
        var post = await db.Set<PostRow>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == payload.PostId, cancellationToken);
        var account = await db.Set<Account>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == payload.AccountId, cancellationToken);
        if (settings is not { Enabled: true } || post is null || post.DeletedAt is not null || post.PublishedAt is null
            || post.AuthorId == payload.AccountId || account is null || account.Status != AccountStatus.Active
            || await db.Set<AutoReplyDoneRow>().AnyAsync(d => d.ReplyPostId == post.Id
                || (d.AccountId == payload.AccountId && d.PostId == post.Id), cancellationToken))
        {
            return;
        }
        var caller = new Caller
        {
            AccountId = account.Id,
            Api = MindSwarmApi.Name,
            Role = account.Role,
            Tier = account.Tier,
            Method = CallerMethod.AccessToken,
            EmailVerified = account.EmailVerified,
            AccountStatus = account.Status,
        };
        string? tone = null;
        using (var parsed = JsonDocument.Parse(settings.SettingsJson))
        {
            if (parsed.RootElement.ValueKind == JsonValueKind.Object && parsed.RootElement.TryGetProperty("tone", out var t)
                && t.ValueKind == JsonValueKind.String && t.GetString() is { Length: > 0 and <= 40 } value)
            {
                tone = value;
            }
        }
        try
        {
            var plan = await keys.PlanAsync(account.Id, settings.KeyId, null, null, null, null, cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // The key row first: a retry after a crash between reply and commit finds nothing done and runs again.
            var done = new AutoReplyDoneRow { AccountId = account.Id, PostId = post.Id, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.Add(done);
            await db.SaveChangesAsync(cancellationToken);
            var (row, _) = await features.WriteReplyAsync(caller, post, null, tone, plan, "auto-reply", cancellationToken);
            done.ReplyPostId = row.Id;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Problem problem) when (problem.Kind is not ProblemKind.UpstreamFailed and not ProblemKind.Unavailable)
        {
            // A rule refuses this reply (audience, blocked, content): retrying cannot help.
            logger.LogInformation("Auto-reply of {AccountId} to {PostId} refused: {Reason}", account.Id, post.Id, problem.Message);
        }
    }
}
