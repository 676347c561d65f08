using System.Net;
using System.Text.RegularExpressions;

namespace Mindstack.MindSwarm.Tests;

/// <summary>
/// Every MindSwarm endpoint the document names (the MindSwarm rows of the specification's
/// <c>endpoints.tsv</c>, copied here) is served and described; parameter names may differ from the document's.
/// </summary>
public sealed partial class DocumentTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    private static readonly (string Method, string Path)[] Endpoints =
    [
        ("get", "/api/auth/challenge"), ("post", "/api/auth/register"), ("post", "/api/auth/login"), ("post", "/api/auth/magic-link"),
        ("get", "/api/auth/magic-link/verify"), ("post", "/api/auth/refresh"), ("post", "/api/auth/logout"), ("post", "/api/auth/forgot-password"),
        ("post", "/api/auth/reset-password"), ("get", "/api/auth/verify-email"), ("post", "/api/auth/resend-verification"),
        ("post", "/api/auth/2fa/setup"), ("post", "/api/auth/2fa/verify"), ("post", "/api/auth/2fa/disable"), ("get", "/api/auth/me"),
        ("get", "/api/auth/check-availability"), ("post", "/api/posts"), ("get", "/api/posts/feed"), ("get", "/api/posts/{postId}"),
        ("get", "/api/posts/{postId}/replies"), ("post", "/api/posts/{postId}/like"), ("post", "/api/posts/{postId}/repost"),
        ("post", "/api/posts/{postId}/save"), ("post", "/api/posts/{postId}/pin"), ("put", "/api/posts/pinned/reorder"),
        ("post", "/api/posts/{postId}/vote"), ("put", "/api/posts/{postId}"), ("delete", "/api/posts/{postId}"), ("get", "/api/posts/saved"),
        ("get", "/api/posts/{postId}/history"), ("get", "/api/posts/{postId}/analytics"), ("get", "/api/posts/analytics/summary"),
        ("post", "/api/posts/{postId}/replies/{replyId}/blur"), ("post", "/api/posts/{postId}/boost"), ("get", "/api/posts/boosted"),
        ("post", "/api/posts/{postId}/download-video"), ("post", "/api/posts/ai-image"), ("get", "/api/posts/ai-image-access"),
        ("post", "/api/posts/sandbox"), ("get", "/api/users/{username}"), ("put", "/api/users/{username}"), ("put", "/api/users/change-email"),
        ("put", "/api/users/change-username"), ("post", "/api/users/{username}/follow"), ("delete", "/api/users/{username}/follow"),
        ("get", "/api/users/{username}/followers"), ("get", "/api/users/{username}/following"), ("get", "/api/users/follow-requests"),
        ("post", "/api/users/follow-requests/{requestId}"), ("post", "/api/users/{username}/block"), ("delete", "/api/users/{username}/block"),
        ("get", "/api/users/blocked"), ("post", "/api/users/{username}/mute"), ("delete", "/api/users/{username}/mute"), ("get", "/api/users/muted"),
        ("get", "/api/users/{username}/posts"), ("get", "/api/users/{username}/likes"), ("put", "/api/users/settings"),
        ("put", "/api/users/social-links"), ("put", "/api/users/crypto-addresses"), ("post", "/api/users/upload/avatar"),
        ("post", "/api/users/upload/banner"), ("post", "/api/users/referral-code/regenerate"), ("get", "/api/groups"), ("get", "/api/groups/search"),
        ("get", "/api/groups/{slug}"), ("post", "/api/groups"), ("put", "/api/groups/{groupId}"), ("post", "/api/groups/{groupId}/join"),
        ("post", "/api/groups/{groupId}/leave"), ("post", "/api/groups/join/{inviteCode}"), ("get", "/api/groups/{groupId}/members"),
        ("put", "/api/groups/{groupId}/members/{userId}/role"), ("delete", "/api/groups/{groupId}/members/{userId}"),
        ("post", "/api/groups/{groupId}/ban/{userId}"), ("delete", "/api/groups/{groupId}/ban/{userId}"), ("get", "/api/groups/{groupId}/posts"),
        ("post", "/api/groups/{groupId}/posts"), ("post", "/api/groups/{groupId}/invite"), ("get", "/api/groups/user/{userId}"),
        ("get", "/api/notifications"), ("put", "/api/notifications/read"), ("get", "/api/notifications/unread-count"),
        ("put", "/api/notifications/preferences"), ("delete", "/api/notifications/all"), ("get", "/api/notifications/push/vapid-key"),
        ("post", "/api/notifications/push/subscribe"), ("post", "/api/notifications/push/unsubscribe"), ("get", "/api/messages/conversations"),
        ("post", "/api/messages/conversations"), ("post", "/api/messages/conversations/group"), ("get", "/api/messages/conversations/{id}/messages"),
        ("post", "/api/messages/conversations/{id}/messages"), ("post", "/api/messages/messages/{messageId}/react"),
        ("delete", "/api/messages/{messageId}"), ("get", "/api/messages/unread"), ("post", "/api/posts/upload"), ("get", "/api/posts/gifs"),
        ("get", "/api/tips/supported-tokens"), ("post", "/api/tips/send"), ("post", "/api/tips/{tipId}/verify"), ("get", "/api/tips/{tipId}/status"),
        ("get", "/api/tips/history"), ("get", "/api/tips/stats"), ("get", "/api/tips/post/{postId}"), ("get", "/api/ai/site-status"),
        ("post", "/api/ai/tool"), ("post", "/api/ai/reply"), ("get", "/api/ai/providers"), ("post", "/api/ai/keys"), ("get", "/api/ai/keys"),
        ("put", "/api/ai/keys/{keyId}"), ("delete", "/api/ai/keys/{keyId}"), ("post", "/api/ai/moderate"), ("post", "/api/ai/generate-image"),
        ("post", "/api/ai/auto-reply/toggle"), ("get", "/api/ai/usage"), ("get", "/api/analytics/user/{userId}"),
        ("get", "/api/analytics/content/{contentId}"), ("get", "/api/analytics/dashboard"), ("get", "/api/analytics/compare"),
        ("get", "/api/analytics/insights/{userId}"), ("post", "/api/analytics/track"), ("post", "/api/analytics/export"), ("get", "/api/lists"),
        ("post", "/api/lists"), ("get", "/api/lists/{listId}"), ("put", "/api/lists/{listId}"), ("delete", "/api/lists/{listId}"),
        ("post", "/api/lists/{listId}/members"), ("delete", "/api/lists/{listId}/members/{userId}"), ("get", "/api/lists/{listId}/timeline"),
        ("post", "/api/lists/{listId}/subscribe"), ("delete", "/api/lists/{listId}/subscribe"), ("post", "/api/drafts/save"),
        ("post", "/api/drafts/autosave"), ("get", "/api/drafts"), ("get", "/api/drafts/scheduled"), ("get", "/api/drafts/stats"),
        ("get", "/api/drafts/{draftId}"), ("post", "/api/drafts/{draftId}/publish"), ("delete", "/api/drafts/{draftId}"),
        ("post", "/api/drafts/{draftId}/restore/{versionId}"), ("post", "/api/support"), ("get", "/api/support/my-tickets"),
        ("get", "/api/support/{ticketId}"), ("post", "/api/support/{ticketId}/reply"), ("get", "/api/ads/active"), ("get", "/api/ads/settings"),
        ("post", "/api/ads"), ("get", "/api/ads/my-ads"), ("post", "/api/ads/{adId}/pay"), ("post", "/api/ads/{adId}/track"),
        ("patch", "/api/ads/{adId}"), ("delete", "/api/ads/{adId}"), ("put", "/api/admin/ads/{adId}/status"), ("get", "/api/admin/ads/{adId}/stats"),
        ("get", "/api/admin/inbound/stats"), ("get", "/api/admin/dashboard/trends"), ("post", "/api/moderation/reports"),
        ("get", "/api/moderation/queue"), ("post", "/api/moderation/reports/{id}/review"), ("post", "/api/moderation/warnings"),
        ("post", "/api/moderation/bans"), ("post", "/api/moderation/bans/{id}/lift"), ("post", "/api/moderation/appeals"),
        ("post", "/api/moderation/appeals/{banId}/review"), ("get", "/api/moderation/users/{userId}/warnings"),
        ("get", "/api/moderation/users/{userId}/ban-status"), ("get", "/api/moderation/stats"), ("post", "/api/data-export/request"),
        ("get", "/api/data-export/download/{exportId}"), ("get", "/api/data-export/history"), ("delete", "/api/data-export/delete-account"),
        ("post", "/api/data-export/cancel-deletion"), ("get", "/api/posts/price/{symbol}"), ("get", "/api/posts/price/feeds"),
        ("get", "/api/posts/price/{symbol}/info"), ("get", "/api/posts/price/{symbol}/history"), ("post", "/api/posts/price/compare"),
        ("get", "/api/posts/service/catalog"), ("post", "/api/posts/service/{plugin}/{action}"), ("post", "/api/posts/image-tools/{action}"),
        ("get", "/api/admin/lanagent-status"), ("put", "/api/admin/lanagent-services"), ("post", "/api/developer/apps"),
        ("get", "/api/developer/apps"), ("get", "/api/developer/apps/{appId}"), ("put", "/api/developer/apps/{appId}"),
        ("post", "/api/developer/apps/{appId}/regenerate-key"), ("put", "/api/developer/apps/{appId}/activate"),
        ("put", "/api/developer/apps/{appId}/deactivate"), ("put", "/api/developer/apps/{appId}/archive"),
        ("get", "/api/developer/apps/{appId}/usage"),
    ];

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();

    private static string Shape(string path) => Parameter().Replace(path.TrimEnd('/'), "{}");

    [Fact]
    public async Task OpenApi_EveryDocumentEndpoint_Described()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindswarm.json");
        var paths = (await SwarmClient.Expect(response, HttpStatusCode.OK)).GetProperty("paths");
        var described = paths.EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Method: o.Name, Path: Shape(p.Name))))
            .ToHashSet();
        var missing = Endpoints.Where(e => !described.Contains((e.Method, Shape("/mindswarm" + e.Path)))).Select(e => $"{e.Method} {e.Path}").ToList();
        Assert.True(missing.Count == 0, "not in /openapi/mindswarm.json: " + string.Join(", ", missing));
        Assert.True(paths.TryGetProperty("/mindswarm/socket.io/", out var socket) && socket.TryGetProperty("get", out _), "WS /socket.io/ is not described");
    }

    [Fact]
    public async Task EveryDocumentEndpoint_AnonymousRequest_RoutedNot404RouteNotFound()
    {
        // Made-up ids: an unknown id may be a 404 in MindSwarm's shape, but a route that is not served
        // answers the platform's "No route matches …" (or 405 when only another method is served).
        var unserved = new List<string>();
        foreach (var (method, path) in Endpoints)
        {
            var concrete = Parameter().Replace(path, "x0");
            using var response = await factory.Anonymous().SendAsync(new HttpMethod(method.ToUpperInvariant()), concrete,
                method is "get" or "delete" ? null : new { });
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.MethodNotAllowed
                || (response.StatusCode == HttpStatusCode.NotFound && text.Contains("No route matches", StringComparison.Ordinal)))
            {
                unserved.Add($"{method} {path}");
            }
        }
        Assert.True(unserved.Count == 0, "not served: " + string.Join(", ", unserved));
    }
}
