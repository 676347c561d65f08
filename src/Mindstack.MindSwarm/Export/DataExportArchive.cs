using System.IO.Compression;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Drafts;
using Mindstack.MindSwarm.Groups;
using Mindstack.MindSwarm.Lists;
using Mindstack.MindSwarm.Media;
using Mindstack.MindSwarm.Messages;
using Mindstack.MindSwarm.Moderation;
using Mindstack.MindSwarm.Notifications;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Support;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Media;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Export;

/// <summary>
/// Writes everything an account owns in MindSwarm to a zip: one JSON file per kind of data
/// (<c>account.json</c>, <c>profile.json</c>, <c>posts.json</c>, <c>replies.json</c>,
/// <c>messages.json</c>, <c>tips.json</c>, <c>ads.json</c>, <c>analytics.json</c>, <c>ai.json</c>…) and the account's uploaded files under <c>media/</c>, read through the
/// blob store so it works on every storage backend. Secrets (password and token hashes, key
/// hashes, AI provider keys) are left out.
/// </summary>
internal sealed class DataExportArchive(MindstackDbContext db, IBlobStore store, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Writes the archive to <paramref name="path"/>; the number of files in it.</summary>
    public async Task<int> WriteAsync(string accountId, string path, CancellationToken ct)
    {
        var count = 0;
        await using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous);
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
        {
            async Task Add(string name, object value)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                await using var stream = entry.Open();
                await JsonSerializer.SerializeAsync(stream, value, Json, ct);
                count++;
            }

            // Read-only: nothing read here is tracked (the job's context is used again afterwards, so this is set back).
            db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
            var account = await db.Set<Account>().FirstAsync(a => a.Id == accountId, ct);
            await Add("account.json", new
            {
                account.Id,
                account.Email,
                account.Username,
                account.Role,
                account.Status,
                account.Tier,
                account.EmailVerified,
                account.TwoFactorEnabled,
                account.CreatedAt,
                account.LastLoginAt,
                ExportedAt = clock.GetUtcNow().UtcDateTime,
            });
            await Add("profile.json", (object?)await db.Set<ProfileRow>().FirstOrDefaultAsync(p => p.AccountId == accountId, ct) ?? new { });

            var posts = await db.Set<PostRow>().Where(p => p.AuthorId == accountId).OrderBy(p => p.CreatedAt).ToListAsync(ct);
            var postIds = posts.Select(p => p.Id).ToList();
            var edits = await db.Set<PostEditRow>().Where(e => postIds.Contains(e.PostId)).ToListAsync(ct);
            var options = await db.Set<PollOptionRow>().Where(o => postIds.Contains(o.PostId)).ToListAsync(ct);
            object PostEntry(PostRow p) => new
            {
                Post = p,
                Edits = edits.Where(e => e.PostId == p.Id).OrderBy(e => e.EditedAt),
                PollOptions = options.Where(o => o.PostId == p.Id).OrderBy(o => o.Position),
            };
            await Add("posts.json", posts.Where(p => p.ReplyToId == null).Select(PostEntry).ToList());
            await Add("replies.json", posts.Where(p => p.ReplyToId != null).Select(PostEntry).ToList());
            await Add("likes.json", await db.Set<LikeRow>().Where(l => l.AccountId == accountId).OrderBy(l => l.CreatedAt).ToListAsync(ct));
            await Add("bookmarks.json", await db.Set<SaveRow>().Where(s => s.AccountId == accountId).OrderBy(s => s.CreatedAt).ToListAsync(ct));
            await Add("pins.json", await db.Set<PinRow>().Where(p => p.AccountId == accountId).OrderBy(p => p.Position).ToListAsync(ct));
            await Add("poll_votes.json", await db.Set<PollVoteRow>().Where(v => v.AccountId == accountId).ToListAsync(ct));
            await Add("follows.json", new
            {
                Following = await db.Set<FollowRow>().Where(f => f.FollowerId == accountId).OrderBy(f => f.CreatedAt).ToListAsync(ct),
                Followers = await db.Set<FollowRow>().Where(f => f.FollowingId == accountId).OrderBy(f => f.CreatedAt).ToListAsync(ct),
            });
            await Add("blocks.json", await db.Set<BlockRow>().Where(b => b.BlockerId == accountId).ToListAsync(ct));
            await Add("mutes.json", await db.Set<MuteRow>().Where(m => m.MuterId == accountId).ToListAsync(ct));

            var conversationIds = await db.Set<ConversationMemberRow>().Where(m => m.AccountId == accountId).Select(m => m.ConversationId).ToListAsync(ct);
            await Add("messages.json", new
            {
                Conversations = await db.Set<ConversationRow>().Where(c => conversationIds.Contains(c.Id)).ToListAsync(ct),
                Members = await db.Set<ConversationMemberRow>().Where(m => conversationIds.Contains(m.ConversationId)).ToListAsync(ct),
                // Sent and received: every message of the conversations the account is in.
                Messages = await db.Set<MessageRow>().Where(m => conversationIds.Contains(m.ConversationId)).OrderBy(m => m.CreatedAt).ToListAsync(ct),
                Reactions = await db.Set<MessageReactionRow>().Where(r => r.AccountId == accountId).ToListAsync(ct),
            });
            await Add("notifications.json", new
            {
                Notifications = await db.Set<NotificationRow>().Where(n => n.AccountId == accountId).OrderBy(n => n.CreatedAt).ToListAsync(ct),
                Preferences = await db.Set<NotificationPreferenceRow>().FirstOrDefaultAsync(p => p.AccountId == accountId, ct),
                PushSubscriptions = await db.Set<PushSubscriptionRow>().Where(s => s.AccountId == accountId)
                    .Select(s => new { s.Id, s.Endpoint, s.CreatedAt }).ToListAsync(ct),
            });

            var ownedLists = await db.Set<ListRow>().Where(l => l.OwnerId == accountId).ToListAsync(ct);
            var ownedListIds = ownedLists.Select(l => l.Id).ToList();
            await Add("lists.json", new
            {
                Owned = ownedLists,
                Members = await db.Set<ListMemberRow>().Where(m => ownedListIds.Contains(m.ListId)).ToListAsync(ct),
                MemberOf = await db.Set<ListMemberRow>().Where(m => m.AccountId == accountId).ToListAsync(ct),
                Subscriptions = await db.Set<ListSubscriptionRow>().Where(s => s.AccountId == accountId).ToListAsync(ct),
            });
            await Add("groups.json", new
            {
                Owned = await db.Set<GroupRow>().Where(g => g.OwnerId == accountId).ToListAsync(ct),
                Memberships = await db.Set<GroupMemberRow>().Where(m => m.AccountId == accountId).ToListAsync(ct),
                InvitesCreated = await db.Set<GroupInviteRow>().Where(i => i.CreatedBy == accountId).ToListAsync(ct),
                InvitesReceived = await db.Set<GroupInviteRow>().Where(i => i.InvitedId == accountId).ToListAsync(ct),
                Bans = await db.Set<GroupBanRow>().Where(b => b.AccountId == accountId).ToListAsync(ct),
            });
            var drafts = await db.Set<DraftRow>().Where(d => d.AccountId == accountId).ToListAsync(ct);
            var draftIds = drafts.Select(d => d.Id).ToList();
            await Add("drafts.json", new
            {
                Drafts = drafts,
                Versions = await db.Set<DraftVersionRow>().Where(v => draftIds.Contains(v.DraftId)).OrderBy(v => v.CreatedAt).ToListAsync(ct),
            });
            var tickets = await db.Set<TicketRow>().Where(t => t.AccountId == accountId).ToListAsync(ct);
            var ticketIds = tickets.Select(t => t.Id).ToList();
            await Add("support_tickets.json", new
            {
                Tickets = tickets,
                Replies = await db.Set<TicketReplyRow>().Where(r => ticketIds.Contains(r.TicketId) || r.AuthorId == accountId)
                    .OrderBy(r => r.CreatedAt).ToListAsync(ct),
            });
            await Add("moderation.json", new
            {
                ReportsFiled = await db.Set<ReportRow>().Where(r => r.ReporterId == accountId)
                    .Select(r => new { r.Id, r.TargetType, r.TargetId, r.Category, r.Description, r.Status, r.CreatedAt }).ToListAsync(ct),
                Warnings = await db.Set<WarningRow>().Where(w => w.AccountId == accountId)
                    .Select(w => new { w.Id, w.Level, w.Reason, w.Message, w.CreatedAt }).ToListAsync(ct),
                // A shadow ban is not shown to the account anywhere; its export does not reveal it either.
                Bans = await db.Set<BanRow>().Where(b => b.AccountId == accountId && b.Type != BanTypes.Shadow)
                    .Select(b => new { b.Id, b.Type, b.Reason, b.Duration, b.CreatedAt, b.ExpiresAt, b.LiftedAt }).ToListAsync(ct),
                Appeals = await db.Set<AppealRow>().Where(a => a.AccountId == accountId)
                    .Select(a => new { a.Id, a.BanId, a.Reason, a.Status, a.CreatedAt, a.ReviewedAt }).ToListAsync(ct),
            });
            await Add("developer_apps.json", await db.Set<DeveloperAppRow>().Where(a => a.AccountId == accountId).ToListAsync(ct));
            await Add("api_keys.json", await db.Set<ApiKey>().Where(k => k.AccountId == accountId)
                .Select(k => new { k.Id, k.Api, k.Name, k.Prefix, k.Permissions, k.IsActive, k.CreatedAt, k.ExpiresAt, k.LastUsedAt, k.RevokedAt })
                .ToListAsync(ct));
            await Add("sessions.json", await db.Set<AccountSession>().Where(s => s.AccountId == accountId)
                .Select(s => new { s.Id, s.Api, s.Method, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.RevokedAt, s.IpAddress, s.UserAgent })
                .ToListAsync(ct));
            await Add("boosts.json", await db.Set<Boosts.BoostRow>().Where(b => b.AccountId == accountId).ToListAsync(ct));
            await Add("crypto_transactions.json", await db.Set<Crypto.UsedTransactionRow>().Where(t => t.AccountId == accountId).ToListAsync(ct));
            await Add("tips.json", new
            {
                Sent = await db.Set<Tips.TipRow>().Where(t => t.SenderId == accountId).OrderBy(t => t.CreatedAt).ToListAsync(ct),
                Received = await db.Set<Tips.TipRow>().Where(t => t.RecipientId == accountId).OrderBy(t => t.CreatedAt).ToListAsync(ct),
            });
            var ads = await db.Set<Ads.AdRow>().Where(a => a.AccountId == accountId).OrderBy(a => a.CreatedAt).ToListAsync(ct);
            var adIds = ads.Select(a => a.Id).ToList();
            var adDays = await db.Set<Ads.AdDailyRow>().Where(d => adIds.Contains(d.AdId)).OrderBy(d => d.Day).ToListAsync(ct);
            // Each ad with its counters and per-day series (who saw it, by address, is the viewers' and stays out).
            await Add("ads.json", ads.Select(a => new
            {
                Ad = a,
                Stats = new
                {
                    a.Impressions,
                    a.Clicks,
                    Ctr = Ads.AdRules.Ctr(a.Impressions, a.Clicks),
                    Daily = adDays.Where(d => d.AdId == a.Id).Select(d => new { d.Day, d.Impressions, d.Clicks }),
                },
            }).ToList());
            await Add("analytics.json", new
            {
                FirstTouch = await db.Set<Analytics.AttributionRow>().FirstOrDefaultAsync(a => a.AccountId == accountId, ct),
                Events = (await db.Set<Analytics.AnalyticsEventRow>().Where(e => e.AccountId == accountId).OrderBy(e => e.CreatedAt).ToListAsync(ct))
                    .Select(e => new
                    {
                        e.Id,
                        e.EventType,
                        e.TargetType,
                        e.TargetId,
                        e.UtmSource,
                        e.UtmMedium,
                        e.UtmCampaign,
                        e.UtmTerm,
                        e.UtmContent,
                        e.LandingPath,
                        e.Referrer,
                        Metadata = JsonSerializer.Deserialize<JsonElement>(e.MetadataJson),
                        e.CreatedAt,
                    }).ToList(),
            });
            var autoReply = await db.Set<Ai.AutoReplyRow>().FirstOrDefaultAsync(a => a.AccountId == accountId, ct);
            await Add("ai.json", new
            {
                // Provider keys as the lists show them: masked; the secret (even encrypted) never leaves.
                ProviderKeys = await db.Set<Ai.AiKeyRow>().Where(k => k.AccountId == accountId).OrderBy(k => k.CreatedAt)
                    .Select(k => new { k.Id, k.Name, k.Provider, MaskedKey = k.Masked, k.IsDefault, k.IsActive, k.CreatedAt, k.UpdatedAt, k.LastUsedAt })
                    .ToListAsync(ct),
                Usage = await db.Set<Ai.AiUsageRow>().Where(u => u.AccountId == accountId).OrderBy(u => u.CreatedAt)
                    .Select(u => new { u.Id, u.KeyId, u.Feature, u.Provider, u.Model, u.InputTokens, u.OutputTokens, u.CreatedAt }).ToListAsync(ct),
                AutoReply = autoReply is null ? null : new
                {
                    autoReply.Enabled,
                    autoReply.KeyId,
                    Settings = JsonSerializer.Deserialize<JsonElement>(autoReply.SettingsJson),
                    autoReply.UpdatedAt,
                },
                AutoReplies = await db.Set<Ai.AutoReplyDoneRow>().Where(d => d.AccountId == accountId).OrderBy(d => d.CreatedAt).ToListAsync(ct),
            });
            await Add("profile_images.json", await db.Set<ProfileImages.ProfileImageRow>().Where(i => i.AccountId == accountId).ToListAsync(ct));
            await Add("video_downloads.json", await db.Set<VideoDownloads.VideoDownloadRow>().Where(v => v.AccountId == accountId)
                .Select(v => new { v.Id, v.PostId, v.SourceUrl, v.FileName, v.Size, v.ExpiresAt, v.Downloads, v.CreatedAt }).ToListAsync(ct));
            await Add("data_exports.json", await db.Set<DataExportRow>().Where(e => e.AccountId == accountId)
                .Select(e => new { e.Id, e.Status, e.CreatedAt, e.CompletedAt }).ToListAsync(ct));

            var media = await db.Set<MediaRow>().Where(m => m.AccountId == accountId).OrderBy(m => m.CreatedAt).ToListAsync(ct);
            await Add("media.json", media.Select(m => new
            {
                m.Id,
                m.Type,
                m.ContentType,
                m.Size,
                m.Width,
                m.Height,
                m.CreatedAt,
                File = "media/" + FileName(m.BlobKey),
            }).ToList());
            foreach (var item in media)
            {
                await using var blob = await store.GetAsync(item.BlobKey, ct);
                if (blob is null)
                {
                    continue;
                }
                var entry = zip.CreateEntry("media/" + FileName(item.BlobKey), CompressionLevel.NoCompression);
                await using var target = entry.Open();
                await blob.Content.CopyToAsync(target, ct);
                count++;
            }
        }
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.TrackAll;
        return count;
    }

    private static string FileName(string key) => key[(key.LastIndexOf('/') + 1)..];
}
