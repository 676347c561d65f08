using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Auth;
using Mindstack.MindSwarm.Posts;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Users;

internal sealed record ProfileChanges(string? DisplayName, string? Bio, string? Location, string? Website);

internal sealed record UpdateProfileRequest(ProfileChanges? Profile, string? DisplayName, string? Bio, string? Location, string? Website);

internal sealed record ChangeEmailRequest(string? NewEmail, string? Password);

internal sealed record ChangeUsernameRequest(string? NewUsername);

internal sealed record MuteRequest(long? Duration);

internal sealed record FollowRequestAnswer(string? Action);

internal sealed record UserEnvelope(UserView User);

internal sealed record SettingsView(JsonElement Settings, bool IsPrivate);

internal sealed record LinksView(JsonElement SocialLinks);

internal sealed record AddressesView(JsonElement CryptoAddresses);

internal sealed record ReferralView(string ReferralCode);

internal sealed record EmailChangedView(string Message, string Email, bool EmailVerified);

/// <summary>Section 3, Users: profiles, follows, blocks, mutes, a user's posts and likes, settings, referral codes.</summary>
internal static class UserEndpoints
{
    private const int MaxLinks = 20;

    public static void Map(RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users");
        users.MapPut("/change-email", ChangeEmail).RequireCaller().WithSummary("Change the email (password; the new address must be verified again)")
            .ProducesEnvelope<EmailChangedView>();
        users.MapPut("/change-username", ChangeUsername).RequireCaller().WithSummary("Change the username").ProducesEnvelope<UserEnvelope>();
        users.MapGet("/follow-requests", FollowRequests).RequireCaller().WithSummary("Pending requests to follow you")
            .ProducesEnvelope<FollowRequestsPage>();
        users.MapPost("/follow-requests/{requestId}", AnswerFollowRequest).RequireVerifiedEmail().WithSummary("Accept or reject a follow request")
            .ProducesEnvelope<FollowRecordView>();
        users.MapGet("/blocked", Blocked).RequireCaller().WithSummary("Accounts you blocked").ProducesEnvelope<BlockedPage>();
        users.MapGet("/muted", Muted).RequireCaller().WithSummary("Accounts you muted").ProducesEnvelope<MutedPage>();
        users.MapPut("/settings", Settings).RequireCaller().WithSummary("Update settings (privacy.privateAccount, …), merged")
            .ProducesEnvelope<SettingsView>();
        users.MapPut("/social-links", SocialLinks).RequireCaller().WithSummary("Set social links (twitter, github, …)").ProducesEnvelope<LinksView>();
        users.MapPut("/crypto-addresses", CryptoAddresses).RequireCaller().WithSummary("Set crypto addresses (btc, eth, …)")
            .ProducesEnvelope<AddressesView>();
        users.MapPost("/referral-code/regenerate", RegenerateReferral).RequireCaller().WithSummary("A new 8-character referral code")
            .ProducesEnvelope<ReferralView>();
        users.MapGet("/{username}", GetUser).WithSummary("A user's profile").ProducesEnvelope<UserEnvelope>();
        users.MapPut("/{username}", UpdateUser).RequireCaller().WithSummary("Update your profile").ProducesEnvelope<UserEnvelope>();
        users.MapPost("/{username}/follow", Follow).RequireVerifiedEmail().WithSummary("Follow (a request, for a private account)")
            .ProducesEnvelope<FollowResult>();
        users.MapDelete("/{username}/follow", Unfollow).RequireVerifiedEmail().WithSummary("Unfollow (or withdraw a request)")
            .ProducesEnvelope<FollowResult>();
        users.MapGet("/{username}/followers", Followers).WithSummary("Followers, as Follow records").ProducesEnvelope<FollowersPage>();
        users.MapGet("/{username}/following", Following).WithSummary("Followed accounts, as Follow records").ProducesEnvelope<FollowingPage>();
        users.MapPost("/{username}/block", Block).RequireCaller().WithSummary("Block (hides both ways, ends follows)").ProducesEnvelope<RelationResult>();
        users.MapDelete("/{username}/block", Unblock).RequireCaller().WithSummary("Unblock").ProducesEnvelope<RelationResult>();
        users.MapPost("/{username}/mute", Mute).RequireCaller().WithSummary("Mute (duration in seconds; none: until unmuted)")
            .ProducesEnvelope<RelationResult>();
        users.MapDelete("/{username}/mute", Unmute).RequireCaller().WithSummary("Unmute").ProducesEnvelope<RelationResult>();
        users.MapGet("/{username}/posts", UserPosts).WithSummary("A user's posts (pinned first on page 1)").ProducesEnvelope<PostListView>();
        users.MapGet("/{username}/likes", UserLikes).WithSummary("Posts a user liked").ProducesEnvelope<PostListView>();
    }

    private static async Task<IResult> GetUser(string username, HttpContext context, ProfileService profiles, MindSwarmDialect dialect, CancellationToken ct)
    {
        var viewer = await context.GetCallerAsync();
        var account = await profiles.RequireVisibleAsync(username, viewer?.AccountId, ct);
        return dialect.Ok(new UserEnvelope(await profiles.ViewAsync(account, viewer?.AccountId, ct)));
    }

    private static async Task<IResult> UpdateUser(string username, Body<UpdateProfileRequest> body, Caller caller, IAccountService accounts,
        ProfileService profiles, MindstackDbContext db, TimeProvider clock, MindSwarmDialect dialect, CancellationToken ct)
    {
        var account = await profiles.RequireByUsernameAsync(username, ct);
        if (account.Id != caller.AccountId)
        {
            throw Problem.Forbidden("You can only update your own profile", "NOT_PROFILE_OWNER");
        }
        var request = body.Value;
        var changes = request.Profile ?? new ProfileChanges(request.DisplayName, request.Bio, request.Location, request.Website);
        var profile = await profiles.EnsureAsync(account.Id, ct: ct);
        profile.DisplayName = Text(changes.DisplayName, "displayName", 50) ?? profile.DisplayName;
        profile.Bio = Text(changes.Bio, "bio", 500) ?? profile.Bio;
        profile.Location = Text(changes.Location, "location", 100) ?? profile.Location;
        if (changes.Website is not null)
        {
            profile.Website = changes.Website.Trim().Length == 0 ? null : Url(changes.Website, "website");
        }
        profile.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        var fresh = await accounts.FindAsync(account.Id, ct);
        return dialect.Ok(new UserEnvelope(await profiles.ViewAsync(fresh!, caller.AccountId, ct)));
    }

    private static async Task<IResult> ChangeEmail(Body<ChangeEmailRequest> body, Caller caller, HttpContext context, IAccountService accounts,
        IAccountEmailService emails, MindSwarmDialect dialect, CancellationToken ct)
    {
        if (caller.IsApiKey)
        {
            throw Problem.Forbidden("API keys cannot change the account's email; sign in instead", "API_KEY_FORBIDDEN_ON_PATH");
        }
        var account = await accounts.ChangeEmailAsync(caller.AccountId, body.Value.NewEmail ?? "", body.Value.Password, MindSwarmApi.Accounts, ct);
        await emails.SendEmailVerificationAsync(account.Id, MindSwarmApi.Accounts,
            token => (context.Api()?.ExternalUrl(context.Request, "/api/auth/verify-email") ?? "/api/auth/verify-email") + "?token=" + Uri.EscapeDataString(token), ct);
        return dialect.Ok(new EmailChangedView("Email changed. Check the new address to verify it.", account.Email, false));
    }

    private static async Task<IResult> ChangeUsername(Body<ChangeUsernameRequest> body, Caller caller, IAccountService accounts,
        ProfileService profiles, MindSwarmDialect dialect, CancellationToken ct)
    {
        var account = await accounts.ChangeUsernameAsync(caller.AccountId, body.Value.NewUsername ?? "", MindSwarmApi.Accounts, ct);
        return dialect.Ok(new UserEnvelope(await profiles.ViewAsync(account, caller.AccountId, ct)));
    }

    private static async Task<IResult> Follow(string username, Caller caller, SocialGraph graph, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await graph.FollowAsync(caller.AccountId, username, ct));

    private static async Task<IResult> Unfollow(string username, Caller caller, SocialGraph graph, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await graph.UnfollowAsync(caller.AccountId, username, ct));

    private static async Task<IResult> Followers(string username, HttpContext context, ProfileService profiles, SocialGraph graph,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        var viewer = (await context.GetCallerAsync())?.AccountId;
        var account = await profiles.RequireVisibleAsync(username, viewer, ct);
        await graph.EnsureCanSeeAsync(account.Id, viewer, ct);
        return dialect.Ok(await graph.FollowersAsync(account.Id, Query.Pages(context.Request, 20, 100), ct));
    }

    private static async Task<IResult> Following(string username, HttpContext context, ProfileService profiles, SocialGraph graph,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        var viewer = (await context.GetCallerAsync())?.AccountId;
        var account = await profiles.RequireVisibleAsync(username, viewer, ct);
        await graph.EnsureCanSeeAsync(account.Id, viewer, ct);
        return dialect.Ok(await graph.FollowingAsync(account.Id, Query.Pages(context.Request, 20, 100), ct));
    }

    private static async Task<IResult> FollowRequests(HttpRequest request, Caller caller, SocialGraph graph, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await graph.RequestsAsync(caller.AccountId, Query.Pages(request, 20, 100), ct));

    private static async Task<IResult> AnswerFollowRequest(string requestId, Body<FollowRequestAnswer> body, Caller caller, SocialGraph graph,
        MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await graph.AnswerRequestAsync(caller.AccountId, requestId, body.Value.Action, ct));

    private static async Task<IResult> Block(string username, Caller caller, SocialGraph graph, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await graph.BlockAsync(caller.AccountId, username, ct));

    private static async Task<IResult> Unblock(string username, Caller caller, SocialGraph graph, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await graph.UnblockAsync(caller.AccountId, username, ct));

    private static async Task<IResult> Blocked(HttpRequest request, Caller caller, SocialGraph graph, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await graph.BlockedAsync(caller.AccountId, Query.Pages(request, 20, 100), ct));

    private static async Task<IResult> Mute(string username, HttpContext context, Caller caller, SocialGraph graph, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var request = context.Request.ContentLength is > 0 ? (await Body<MuteRequest>.BindAsync(context, null!))!.Value : new MuteRequest(null);
        return dialect.Ok(await graph.MuteAsync(caller.AccountId, username, request.Duration, ct));
    }

    private static async Task<IResult> Unmute(string username, Caller caller, SocialGraph graph, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await graph.UnmuteAsync(caller.AccountId, username, ct));

    private static async Task<IResult> Muted(HttpRequest request, Caller caller, SocialGraph graph, MindSwarmDialect dialect, CancellationToken ct) =>
        dialect.Ok(await graph.MutedAsync(caller.AccountId, Query.Pages(request, 20, 100), ct));

    private static async Task<IResult> UserPosts(string username, HttpContext context, ProfileService profiles, PostQueries queries,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        var viewer = (await context.GetCallerAsync())?.AccountId;
        var account = await profiles.RequireVisibleAsync(username, viewer, ct);
        return dialect.Ok(await queries.UserPostsAsync(account.Id, viewer, Query.Pages(context.Request, 20, 100), ct));
    }

    private static async Task<IResult> UserLikes(string username, HttpContext context, ProfileService profiles, PostQueries queries,
        MindSwarmDialect dialect, CancellationToken ct)
    {
        var viewer = (await context.GetCallerAsync())?.AccountId;
        var account = await profiles.RequireVisibleAsync(username, viewer, ct);
        return dialect.Ok(await queries.UserLikesAsync(account.Id, viewer, Query.Pages(context.Request, 20, 100), ct));
    }

    /// <summary>Merges the object into the stored settings; <c>privacy.privateAccount</c> makes the account private.</summary>
    private static async Task<IResult> Settings(Body<JsonObject> body, Caller caller, ProfileService profiles, MindstackDbContext db,
        TimeProvider clock, MindSwarmDialect dialect, CancellationToken ct)
    {
        var profile = await profiles.EnsureAsync(caller.AccountId, ct: ct);
        var settings = JsonNode.Parse(profile.SettingsJson) as JsonObject ?? [];
        Merge(settings, body.Value);
        var text = settings.ToJsonString();
        if (text.Length > 20_000)
        {
            throw Problem.Invalid("settings", "Settings are too large");
        }
        if (settings["privacy"] is JsonObject privacy && privacy["privateAccount"] is JsonValue value)
        {
            profile.IsPrivate = value.TryGetValue<bool>(out var isPrivate) ? isPrivate
                : throw Problem.Invalid("privacy.privateAccount", "privacy.privateAccount must be true or false");
        }
        profile.SettingsJson = text;
        profile.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return dialect.Ok(new SettingsView(JsonView.Parse(text), profile.IsPrivate));
    }

    private static async Task<IResult> SocialLinks(Body<OptionalStrings> body, Caller caller, ProfileService profiles,
        MindstackDbContext db, TimeProvider clock, MindSwarmDialect dialect, CancellationToken ct)
    {
        var profile = await profiles.EnsureAsync(caller.AccountId, ct: ct);
        profile.SocialLinksJson = Links(body.Value, "socialLinks");
        profile.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return dialect.Ok(new LinksView(JsonView.Parse(profile.SocialLinksJson)));
    }

    private static async Task<IResult> CryptoAddresses(Body<OptionalStrings> body, Caller caller, ProfileService profiles,
        MindstackDbContext db, TimeProvider clock, MindSwarmDialect dialect, CancellationToken ct)
    {
        var profile = await profiles.EnsureAsync(caller.AccountId, ct: ct);
        profile.CryptoAddressesJson = Links(body.Value, "cryptoAddresses");
        profile.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return dialect.Ok(new AddressesView(JsonView.Parse(profile.CryptoAddressesJson)));
    }

    private static async Task<IResult> RegenerateReferral(Caller caller, ProfileService profiles, MindstackDbContext db, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var profile = await profiles.EnsureAsync(caller.AccountId, ct: ct);
        for (var attempt = 0; ; attempt++)
        {
            profile.ReferralCode = ProfileService.NewReferralCode();
            try
            {
                await db.SaveChangesAsync(ct);
                return dialect.Ok(new ReferralView(profile.ReferralCode));
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another account holds that code (the unique index says so): draw again.
            }
        }
    }

    private static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source.ToList())
        {
            if (value is JsonObject child && target[key] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    private static string Links(Dictionary<string, string?> links, string field)
    {
        if (links.Count > MaxLinks)
        {
            throw Problem.Invalid(field, $"At most {MaxLinks} entries");
        }
        var clean = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in links)
        {
            if (key.Length is 0 or > 32 || value is { Length: > 300 })
            {
                throw Problem.Invalid($"{field}.{key}", "Names are 1-32 characters, values at most 300");
            }
            if (!string.IsNullOrWhiteSpace(value))
            {
                clean[key] = value.Trim();
            }
        }
        return JsonSerializer.Serialize(clean);
    }

    private static string? Text(string? value, string field, int max)
    {
        if (value is null)
        {
            return null;
        }
        var text = value.Trim();
        return text.Length <= max ? text : throw Problem.Invalid(field, $"{field} must be at most {max} characters");
    }

    private static string Url(string value, string field) =>
        Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && value.Length <= 300
            ? value.Trim()
            : throw Problem.Invalid(field, $"{field} must be an http(s) URL");
}

/// <summary>
/// A body of names to optional strings. A named type because ASP.NET Core's request delegate
/// generator drops the nullability of a nested type argument and the generated call no longer compiles.
/// </summary>
internal sealed class OptionalStrings : Dictionary<string, string?>;
