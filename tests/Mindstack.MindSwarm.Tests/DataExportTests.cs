using System.Data.Common;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindSwarm.Tests.Media;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Tests;

public sealed class DataExportTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    private const string Phrase = "DELETE MY ACCOUNT";

    private async Task<JsonElement> UploadAsync(SwarmClient user, byte[] png)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mindswarm/api/posts/upload");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(png);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(part, "media", "picture.png");
        request.Content = form;
        using var response = await client.SendAsync(request);
        return (await SwarmClient.Expect(response, HttpStatusCode.OK)).GetProperty("data")[0].Clone();
    }

    private async Task<byte[]> FetchAsync(string url, HttpStatusCode status = HttpStatusCode.OK)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri(url, UriKind.RelativeOrAbsolute).IsAbsoluteUri ? new Uri(url).PathAndQuery : url);
        Assert.Equal(status, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task<string> ConversationAsync(SwarmClient from, SwarmClient to) =>
        (await from.PostDataAsync("/api/messages/conversations", new { recipientId = to.UserId }, HttpStatusCode.Created))
            .GetProperty("conversation").GetProperty("_id").GetString()!;

    private static Task<JsonElement> SendAsync(SwarmClient from, string conversation, string content) =>
        from.PostDataAsync($"/api/messages/conversations/{conversation}/messages", new { content }, HttpStatusCode.Created);

    /// <summary>An account with a bit of everything: a post with media, a reply, a like, a follow, messages both ways, a list, a group, a ticket, a draft.</summary>
    private async Task<(SwarmClient User, SwarmClient Friend, string Conversation, JsonElement Media, string PostId)> BusyAccountAsync()
    {
        var user = await factory.RegisterAsync();
        var friend = await factory.RegisterAsync();
        var media = await UploadAsync(user, TestMedia.Png());
        var post = await user.PostAsync(new { content = "My first post #hello", media = new[] { new { type = "image", url = media.GetProperty("url").GetString() } } });
        var postId = post.GetProperty("_id").GetString()!;
        var friendPost = await friend.PostAsync(new { content = "Friend's post" });
        await user.PostAsync(new { content = "A reply to my friend", replyTo = friendPost.GetProperty("_id").GetString() });
        await user.PostDataAsync($"/api/posts/{friendPost.GetProperty("_id").GetString()}/like");
        await friend.PostDataAsync($"/api/posts/{postId}/like");
        await user.PostDataAsync($"/api/users/{friend.Username}/follow");
        await friend.PostDataAsync($"/api/users/{user.Username}/follow");
        var conversation = await ConversationAsync(user, friend);
        await SendAsync(user, conversation, "Hello from me");
        await SendAsync(friend, conversation, "Hello back");
        var list = (await user.PostDataAsync("/api/lists", new { name = "Friends" }, HttpStatusCode.Created)).GetProperty("list").GetProperty("_id").GetString();
        await user.PostDataAsync($"/api/lists/{list}/members", new { userId = friend.UserId });
        await user.PostDataAsync("/api/groups", new { name = "Group " + Guid.NewGuid().ToString("N")[..6], privacy = "public" }, HttpStatusCode.Created);
        await user.PostDataAsync("/api/support", new { subject = "Help", content = "Something broke", category = "other" }, HttpStatusCode.Created);
        await user.PostDataAsync("/api/drafts/save", new { content = "Unfinished thought" });
        return (user, friend, conversation, media, postId);
    }

    [Fact]
    public async Task Export_Requested_ArchiveHoldsWhatTheAccountMade()
    {
        var (user, _, _, media, postId) = await BusyAccountAsync();
        var requested = await user.PostDataAsync("/api/data-export/request", null, HttpStatusCode.Accepted);
        var exportId = requested.GetProperty("export").GetProperty("_id").GetString();
        var done = await Eventually.UntilAsync(
            async () => (await user.GetDataAsync("/api/data-export/history")).GetProperty("exports")[0],
            e => e.GetProperty("status").GetString() is "completed" or "failed", "the export finished");
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(exportId, done.GetProperty("_id").GetString());

        using var response = await user.SendAsync(HttpMethod.Get, $"/api/data-export/download/{exportId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        JsonElement Read(string name)
        {
            using var stream = zip.GetEntry(name)!.Open();
            return JsonDocument.Parse(stream).RootElement.Clone();
        }

        Assert.Equal(user.Username, Read("account.json").GetProperty("username").GetString());
        var posts = Read("posts.json").EnumerateArray().Select(p => p.GetProperty("post")).ToList();
        Assert.Equal(["My first post #hello"], posts.Select(p => p.GetProperty("content").GetString()));
        Assert.Equal(postId, posts[0].GetProperty("id").GetString());
        Assert.Equal(["A reply to my friend"], Read("replies.json").EnumerateArray().Select(p => p.GetProperty("post").GetProperty("content").GetString()));
        Assert.Single(Read("likes.json").EnumerateArray());
        Assert.Single(Read("follows.json").GetProperty("following").EnumerateArray());
        Assert.Single(Read("follows.json").GetProperty("followers").EnumerateArray());
        // Sent and received messages.
        Assert.Equal(["Hello from me", "Hello back"],
            Read("messages.json").GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
        Assert.Single(Read("lists.json").GetProperty("owned").EnumerateArray());
        Assert.Single(Read("groups.json").GetProperty("memberships").EnumerateArray());
        Assert.Single(Read("support_tickets.json").GetProperty("tickets").EnumerateArray());
        Assert.Equal("Unfinished thought", Read("drafts.json").GetProperty("drafts")[0].GetProperty("content").GetString());
        Assert.NotEmpty(Read("notifications.json").GetProperty("notifications").EnumerateArray());
        Assert.DoesNotContain("passwordHash", Read("account.json").GetRawText(), StringComparison.OrdinalIgnoreCase);

        // The media file itself, byte for byte as the site serves it.
        var listed = Read("media.json").EnumerateArray().Single();
        Assert.Equal(media.GetProperty("id").GetString(), listed.GetProperty("id").GetString());
        using var file = new MemoryStream();
        using (var stream = zip.GetEntry(listed.GetProperty("file").GetString()!)!.Open())
        {
            await stream.CopyToAsync(file);
        }
        Assert.Equal(await FetchAsync(media.GetProperty("url").GetString()!), file.ToArray());

        // Only its owner downloads it, with a token; one export per 24 hours.
        var stranger = await factory.RegisterAsync();
        await stranger.ErrorAsync(HttpMethod.Get, $"/api/data-export/download/{exportId}", null, HttpStatusCode.NotFound, "EXPORT_NOT_FOUND");
        await factory.Anonymous().ErrorAsync(HttpMethod.Get, $"/api/data-export/download/{exportId}", null, HttpStatusCode.Unauthorized);
        await user.ErrorAsync(HttpMethod.Post, "/api/data-export/request", new { }, HttpStatusCode.TooManyRequests, "EXPORT_RATE_LIMITED");
    }

    private async Task<ZipArchive> ExportAsync(SwarmClient user)
    {
        var exportId = (await user.PostDataAsync("/api/data-export/request", null, HttpStatusCode.Accepted)).GetProperty("export").GetProperty("_id").GetString();
        var done = await Eventually.UntilAsync(
            async () => (await user.GetDataAsync("/api/data-export/history")).GetProperty("exports")[0],
            e => e.GetProperty("status").GetString() is "completed" or "failed", "the export finished");
        Assert.Equal("completed", done.GetProperty("status").GetString());
        using var response = await user.SendAsync(HttpMethod.Get, $"/api/data-export/download/{exportId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
    }

    private static JsonElement ReadEntry(ZipArchive zip, string name)
    {
        using var stream = (zip.GetEntry(name) ?? throw new Xunit.Sdk.XunitException(name + " is not in the archive")).Open();
        return JsonDocument.Parse(stream).RootElement.Clone();
    }

    [Fact]
    public async Task Export_TipsAdsAnalyticsAndAi_InArchiveWithoutSecrets()
    {
        const string secret = "sk-export-provider-key-0123456789abcdef";
        var user = await factory.RegisterAsync();
        var friend = await factory.RegisterAsync();
        var admin = await factory.RegisterAsync();
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<Mindstack.Platform.Accounts.IAccountService>()
                .SetRoleAsync(admin.UserId, Mindstack.Platform.Accounts.AccountRoles.Admin);
        }
        await user.PutDataAsync("/api/users/crypto-addresses", new { eth = "0x1111111111111111111111111111111111111111" });
        await friend.PutDataAsync("/api/users/crypto-addresses", new { eth = "0x2222222222222222222222222222222222222222" });
        var postId = (await user.PostAsync(new { content = "Tip jar" })).GetProperty("_id").GetString()!;
        static string Hash() => "0x" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        var sentHash = Hash();
        var receivedHash = Hash();
        await user.PostDataAsync("/api/tips/send",
            new { recipientId = friend.UserId, cryptocurrency = "eth", amount = "0.01", transactionHash = sentHash, message = "Thanks" }, HttpStatusCode.Created);
        await friend.PostDataAsync("/api/tips/send",
            new { recipientId = user.UserId, postId, cryptocurrency = "eth", amount = "0.02", transactionHash = receivedHash }, HttpStatusCode.Created);

        var adId = (await user.PostDataAsync("/api/ads",
            new { title = "Export ad", description = "Building decentralized social", linkUrl = "https://example.com/x", duration = 7, placement = "inline" },
            HttpStatusCode.Created)).GetProperty("ad").GetProperty("id").GetString()!;
        await admin.PostDataAsync($"/api/admin/ads/{adId}/review", new { action = "approve" });
        Assert.Equal("active", (await user.PostDataAsync($"/api/ads/{adId}/pay")).GetProperty("status").GetString());
        await factory.Anonymous().PostDataAsync($"/api/ads/{adId}/track", new { type = "impression" });
        await factory.Anonymous().PostDataAsync($"/api/ads/{adId}/track", new { type = "click" });

        await user.PostDataAsync("/api/analytics/track", new { eventType = "post_view", targetId = postId, targetType = "Post", metadata = new { utmSource = "export-test" } });
        await friend.PostDataAsync("/api/analytics/track", new { eventType = "post_view", targetId = postId, targetType = "Post" });
        // Tracked events are written in batches: wait until both are stored.
        await Eventually.UntilAsync(() => factory.Anonymous().GetDataAsync("/api/analytics/content/" + postId),
            c => c.GetProperty("events").EnumerateArray().Any(e => e.GetProperty("name").GetString() == "post_view" && e.GetProperty("count").GetInt32() == 2),
            "both views stored");

        // The tool runs on the platform's engine before the account has a key of its own (which would call the provider).
        await user.PostDataAsync("/api/ai/tool", new { content = "Offline engines summarize text without any network at all. They are fast.", tool = "summarize" });
        await user.PostDataAsync("/api/ai/keys", new { name = "Mine", provider = "openai", key = secret }, HttpStatusCode.Created);
        await user.PostDataAsync("/api/ai/auto-reply/toggle", new { enabled = true, settings = new { tone = "friendly" } });

        using var zip = await ExportAsync(user);
        var tips = ReadEntry(zip, "tips.json");
        var sent = Assert.Single(tips.GetProperty("sent").EnumerateArray());
        Assert.Equal((sentHash, friend.UserId, "0.01"), (sent.GetProperty("txHash").GetString(), sent.GetProperty("recipientId").GetString(), sent.GetProperty("amount").GetString()));
        var received = Assert.Single(tips.GetProperty("received").EnumerateArray());
        Assert.Equal((receivedHash, friend.UserId, postId), (received.GetProperty("txHash").GetString(), received.GetProperty("senderId").GetString(),
            received.GetProperty("postId").GetString()));

        var ad = Assert.Single(ReadEntry(zip, "ads.json").EnumerateArray());
        Assert.Equal((adId, "Export ad", "active"), (ad.GetProperty("ad").GetProperty("id").GetString(), ad.GetProperty("ad").GetProperty("title").GetString(),
            ad.GetProperty("ad").GetProperty("status").GetString()));
        Assert.Equal((1, 1), (ad.GetProperty("stats").GetProperty("impressions").GetInt64(), ad.GetProperty("stats").GetProperty("clicks").GetInt64()));
        var day = Assert.Single(ad.GetProperty("stats").GetProperty("daily").EnumerateArray());
        Assert.Equal((1, 1), (day.GetProperty("impressions").GetInt64(), day.GetProperty("clicks").GetInt64()));

        // Only the events the account made (not the friend's view of its post).
        var analytics = ReadEntry(zip, "analytics.json");
        var tracked = Assert.Single(analytics.GetProperty("events").EnumerateArray(), e => e.GetProperty("eventType").GetString() == "post_view");
        Assert.Equal((postId, "export-test"), (tracked.GetProperty("targetId").GetString(), tracked.GetProperty("utmSource").GetString()));
        Assert.Contains(analytics.GetProperty("events").EnumerateArray(), e => e.GetProperty("eventType").GetString() == "signup_attributed");

        var ai = ReadEntry(zip, "ai.json");
        var key = Assert.Single(ai.GetProperty("providerKeys").EnumerateArray());
        Assert.Equal(("openai", "sk-••••••••cdef"), (key.GetProperty("provider").GetString(), key.GetProperty("maskedKey").GetString()));
        Assert.Contains(ai.GetProperty("usage").EnumerateArray(), u => u.GetProperty("feature").GetString() is { } f && f.Contains("summarize", StringComparison.Ordinal));
        Assert.True(ai.GetProperty("autoReply").GetProperty("enabled").GetBoolean());
        Assert.Equal("friendly", ai.GetProperty("autoReply").GetProperty("settings").GetProperty("tone").GetString());
        // The secret is nowhere in the archive, not even encrypted.
        foreach (var entry in zip.Entries)
        {
            using var reader = new StreamReader(entry.Open());
            var text = await reader.ReadToEndAsync();
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain("ciphertext", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task DeleteAccount_AfterGracePeriod_NoRowOrFileLeftAndOtherSideAnonymised()
    {
        var (user, friend, conversation, _, _) = await BusyAccountAsync();
        // Moderation rows of both kinds: a report it filed (stays, from the ghost) and a warning to it (goes).
        var moderator = await factory.RegisterAsync();
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<Mindstack.Platform.Accounts.IAccountService>()
                .SetRoleAsync(moderator.UserId, Mindstack.Platform.Accounts.AccountRoles.Moderator);
        }
        await user.PostDataAsync("/api/moderation/reports", new { targetType = "User", targetId = friend.UserId, category = "spam" }, HttpStatusCode.Created);
        await moderator.PostDataAsync("/api/moderation/warnings", new { userId = user.UserId, level = "minor", reason = "spam" }, HttpStatusCode.Created);
        await user.PostDataAsync("/api/data-export/request", null, HttpStatusCode.Accepted);
        await Eventually.UntilAsync(
            async () => (await user.GetDataAsync("/api/data-export/history")).GetProperty("exports")[0].GetProperty("status").GetString(),
            s => s == "completed", "the export finished");
        var blobKeys = await ScalarsAsync($"SELECT blob_key FROM mindswarm_media WHERE account_id = '{user.UserId}'");
        var exportKeys = await ScalarsAsync($"SELECT blob_key FROM mindswarm_data_exports WHERE account_id = '{user.UserId}'");
        Assert.Single(exportKeys);

        await user.ErrorAsync(HttpMethod.Delete, "/api/data-export/delete-account", new { password = user.Password, confirmPhrase = "delete" },
            HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await user.ErrorAsync(HttpMethod.Delete, "/api/data-export/delete-account", new { password = "WrongPass1234!", confirmPhrase = Phrase },
            HttpStatusCode.Unauthorized, "INVALID_PASSWORD");
        var scheduled = await user.DataAsync(HttpMethod.Delete, "/api/data-export/delete-account", new { password = user.Password, confirmPhrase = Phrase });
        Assert.Equal(7, scheduled.GetProperty("gracePeriodDays").GetInt32());

        factory.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        await Eventually.UntilAsync(async () => (await ScalarsAsync($"SELECT id FROM accounts_accounts WHERE id = '{user.UserId}'")).Count == 0,
            "the account deleted");

        // No column of any table holds the account's id, and no mindswarm_ text mentions it.
        var left = await RowsMentioningAsync(user.UserId);
        Assert.True(left.Count == 0, "rows left: " + string.Join(", ", left));
        foreach (var key in blobKeys)
        {
            await FetchAsync("/mindswarm/uploads/" + key[(key.LastIndexOf('/') + 1)..], HttpStatusCode.NotFound);
        }
        Assert.Empty(await StoredBlobsAsync([.. blobKeys, .. exportKeys]));

        // The other side keeps the conversation; the deleted side shows as "deleted".
        var session = await factory.Anonymous().PostDataAsync("/api/auth/login", new { login = friend.Username, password = friend.Password });
        var other = new SwarmClient(factory, session.GetProperty("accessToken").GetString()) { UserId = friend.UserId, Username = friend.Username };
        var messages = (await other.GetDataAsync($"/api/messages/conversations/{conversation}/messages")).GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        var mine = messages.Single(m => m.GetProperty("content").GetString() == "Hello from me");
        Assert.Equal("deleted", mine.GetProperty("sender").GetProperty("username").GetString());
        Assert.NotEqual(user.UserId, mine.GetProperty("sender").GetProperty("_id").GetString());
        var profile = await other.GetDataAsync($"/api/users/{friend.Username}");
        Assert.Equal(0, profile.GetProperty("user").GetProperty("followersCount").GetInt32());
        await factory.Anonymous().ErrorAsync(HttpMethod.Post, "/api/auth/login", new { login = user.Username, password = user.Password },
            HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task DeleteAccount_AccountAlsoUsedByAnotherApi_PlatformAccountAndItsDataKept()
    {
        var (user, _, _, _, _) = await BusyAccountAsync();
        var blobKeys = await ScalarsAsync($"SELECT blob_key FROM mindswarm_media WHERE account_id = '{user.UserId}'");
        Assert.NotEmpty(blobKeys);
        // The same platform account signs in to MindPeeker and makes a session there, through its own routes.
        using var login = await factory.SendRawAsync(HttpMethod.Post, "/mindpeeker/v1/auth/login",
            JsonSerializer.Serialize(new { email = user.Email, password = user.Password }));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var peekerToken = (await factory.ReadJsonAsync(login)).GetProperty("data").GetProperty("token").GetString()!;
        void Bearer(HttpRequestHeaders headers) => headers.Authorization = new AuthenticationHeaderValue("Bearer", peekerToken);
        using var created = await factory.SendRawAsync(HttpMethod.Post, "/mindpeeker/v1/sessions", JsonSerializer.Serialize(new
        {
            cue = "Describe the location of the missing aircraft in the Pacific Ocean",
            session_type = "remote_viewing",
            parameters = new { duration = 1800, confidence_threshold = 0.7, analysis_types = new[] { "visual" }, priority = "normal" },
        }), Bearer);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var peekerSession = (await factory.ReadJsonAsync(created)).GetProperty("data").GetProperty("id").GetString()!;

        await user.DataAsync(HttpMethod.Delete, "/api/data-export/delete-account", new { password = user.Password, confirmPhrase = Phrase });
        factory.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        await Eventually.UntilAsync(async () => (await ScalarsAsync($"SELECT account_id FROM mindswarm_account_deletions WHERE account_id = '{user.UserId}'")).Count,
            n => n == 0, "the deletion ran");

        // Every MindSwarm row and file of the account is gone, and its MindSwarm sessions with them.
        var left = (await RowsMentioningAsync(user.UserId)).Where(t => t.StartsWith("mindswarm_", StringComparison.Ordinal)).ToList();
        Assert.True(left.Count == 0, "rows left: " + string.Join(", ", left));
        Assert.Empty(await StoredBlobsAsync(blobKeys));
        Assert.Empty(await ScalarsAsync($"SELECT id FROM accounts_sessions WHERE account_id = '{user.UserId}' AND api = 'mindswarm'"));
        await user.ErrorAsync(HttpMethod.Get, "/api/auth/me", null, HttpStatusCode.Unauthorized);
        // The platform account stays, active, with what MindPeeker holds of it.
        Assert.Equal(["active"], await ScalarsAsync($"SELECT status FROM accounts_accounts WHERE id = '{user.UserId}'"));
        // (A week went by: MindPeeker's 24-hour token has expired, so it signs in again.)
        using var again = await factory.SendRawAsync(HttpMethod.Post, "/mindpeeker/v1/auth/login",
            JsonSerializer.Serialize(new { email = user.Email, password = user.Password }));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        peekerToken = (await factory.ReadJsonAsync(again)).GetProperty("data").GetProperty("token").GetString()!;
        using var read = await factory.SendRawAsync(HttpMethod.Get, "/mindpeeker/v1/sessions/" + peekerSession, null, Bearer);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task DeleteAccount_Cancelled_EverythingStays()
    {
        var (user, _, _, media, postId) = await BusyAccountAsync();
        await user.DataAsync(HttpMethod.Delete, "/api/data-export/delete-account", new { password = user.Password, confirmPhrase = Phrase });
        var cancelled = await user.PostDataAsync("/api/data-export/cancel-deletion");
        Assert.Equal("Account deletion cancelled", cancelled.GetProperty("message").GetString());
        await user.ErrorAsync(HttpMethod.Post, "/api/data-export/cancel-deletion", new { }, HttpStatusCode.NotFound, "NO_DELETION_SCHEDULED");

        // Signing in during the grace period cancels it too.
        var second = await factory.RegisterAsync();
        await second.DataAsync(HttpMethod.Delete, "/api/data-export/delete-account", new { password = second.Password, confirmPhrase = Phrase });
        await factory.Anonymous().PostDataAsync("/api/auth/login", new { login = second.Username, password = second.Password });

        var before = await RowsMentioningAsync(user.UserId);
        factory.Clock.Advance(TimeSpan.FromDays(8));
        // Give the worker its chance to run what is due.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(await ScalarsAsync($"SELECT id FROM accounts_accounts WHERE id = '{user.UserId}'"));
        Assert.Single(await ScalarsAsync($"SELECT id FROM accounts_accounts WHERE id = '{second.UserId}' AND status = 'active'"));
        // Every MindSwarm row of the account is still there (platform logs such as the outbox are purged on their own).
        // Analytics events are written by a background batch every half second: ones that land after the first
        // count add rows there, and only fewer would be a loss. Every other column counts exactly as before.
        var was = MindSwarmCounts(before);
        var now = MindSwarmCounts(await RowsMentioningAsync(user.UserId));
        foreach (var column in was.Keys.Union(now.Keys))
        {
            var (then, today) = (was.GetValueOrDefault(column), now.GetValueOrDefault(column));
            Assert.True(column.StartsWith("mindswarm_analytics_events.", StringComparison.Ordinal) ? today >= then : today == then,
                $"{column}: {then} rows before, {today} after");
        }
        await FetchAsync(media.GetProperty("url").GetString()!);
        var session = await factory.Anonymous().PostDataAsync("/api/auth/login", new { login = user.Username, password = user.Password });
        var again = new SwarmClient(factory, session.GetProperty("accessToken").GetString());
        Assert.Equal("My first post #hello", (await again.GetDataAsync($"/api/posts/{postId}")).GetProperty("post").GetProperty("content").GetString());
    }

    [Fact]
    public async Task OpenApi_SupportAndExportRoutes_Described()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindswarm.json");
        var paths = (await SwarmClient.Expect(response, HttpStatusCode.OK)).GetProperty("paths");
        foreach (var (method, path) in new[]
                 {
                     ("post", "/mindswarm/api/support"), ("get", "/mindswarm/api/support/my-tickets"), ("get", "/mindswarm/api/support/{ticketId}"),
                     ("post", "/mindswarm/api/support/{ticketId}/reply"), ("get", "/mindswarm/api/support/admin/all"),
                     ("put", "/mindswarm/api/support/{ticketId}/status"), ("post", "/mindswarm/api/data-export/request"),
                     ("get", "/mindswarm/api/data-export/download/{exportId}"), ("get", "/mindswarm/api/data-export/history"),
                     ("delete", "/mindswarm/api/data-export/delete-account"), ("post", "/mindswarm/api/data-export/cancel-deletion"),
                 })
        {
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), $"{method} {path} missing");
        }
    }

    private async Task<List<string>> ScalarsAsync(string sql)
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            var values = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
            }
            return values;
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    /// <summary>The MindSwarm lines of <see cref="RowsMentioningAsync"/> as "table.column" to its count.</summary>
    private static Dictionary<string, int> MindSwarmCounts(IEnumerable<string> lines) =>
        lines.Where(t => t.StartsWith("mindswarm_", StringComparison.Ordinal)).ToDictionary(
            t => t[..t.LastIndexOf(" (", StringComparison.Ordinal)],
            t => int.Parse(t[(t.LastIndexOf('(') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// "table.column (n)" for every text column of every table holding the id: equal to it anywhere,
    /// or containing it in a <c>mindswarm_</c> or <c>accounts_</c> table (JSON, a conversation's pair key).
    /// </summary>
    private async Task<List<string>> RowsMentioningAsync(string accountId)
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var postgres = db.Database.ProviderName!.Contains("Npgsql", StringComparison.Ordinal);
        var columns = new List<(string Table, string Column)>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        try
        {
            if (postgres)
            {
                foreach (var row in await QueryAsync(connection, "SELECT table_name, column_name FROM information_schema.columns "
                    + "WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying')"))
                {
                    columns.Add((row[0], row[1]));
                }
            }
            else
            {
                foreach (var table in await QueryAsync(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
                {
                    foreach (var column in await QueryAsync(connection, $"SELECT name, type FROM pragma_table_info('{table[0]}')"))
                    {
                        if (column[1].Contains("TEXT", StringComparison.OrdinalIgnoreCase))
                        {
                            columns.Add((table[0], column[0]));
                        }
                    }
                }
            }
            var found = new List<string>();
            foreach (var (table, column) in columns)
            {
                var inside = table.StartsWith("mindswarm_", StringComparison.Ordinal) || table.StartsWith("accounts_", StringComparison.Ordinal);
                var condition = inside ? $"\"{column}\" LIKE '%{accountId}%'" : $"\"{column}\" = '{accountId}'";
                var count = (await QueryAsync(connection, $"SELECT COUNT(*) FROM \"{table}\" WHERE {condition}"))[0][0];
                if (count != "0")
                {
                    found.Add($"{table}.{column} ({count})");
                }
            }
            return found;
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    private static async Task<List<string[]>> QueryAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var rows = new List<string[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount)
                .Select(i => Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray());
        }
        return rows;
    }

    /// <summary>Those of the keys whose blob is still in the store.</summary>
    private async Task<List<string>> StoredBlobsAsync(IEnumerable<string> keys)
    {
        using var scope = factory.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<Mindstack.Platform.Media.IBlobStore>();
        var left = new List<string>();
        foreach (var key in keys)
        {
            await using var blob = await store.GetAsync(key, CancellationToken.None);
            if (blob is not null)
            {
                left.Add(key);
            }
        }
        return left;
    }
}
