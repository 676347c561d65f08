using System.Text.Json;
using System.Text.Json.Serialization;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Accounts;

namespace Mindstack.MindSwarm.Users;

/// <summary>The profile fields a user edits.</summary>
internal sealed record ProfileView(string? DisplayName, string? Bio, string? Location, string? Website, string? Avatar, string? Banner);

/// <summary>
/// A user as <c>/auth/me</c>, login and registration answer it (the full shape), and as
/// <c>GET /users/{username}</c> answers it (private fields — email, settings, referral — only to
/// the user themself; relation flags only to a signed-in viewer).
/// </summary>
internal sealed record UserView
{
    [JsonPropertyName("_id")]
    public required string UnderscoreId { get; init; }
    public required string Id { get; init; }
    public required string Username { get; init; }
    /// <summary>The username as the user typed it (case kept).</summary>
    public required string DisplayUsername { get; init; }
    public string? Name { get; init; }
    public required ProfileView Profile { get; init; }
    public required IReadOnlyList<string> Badges { get; init; }
    public required JsonElement SocialLinks { get; init; }
    public required JsonElement CryptoAddresses { get; init; }
    public bool IsPrivate { get; init; }
    public int FollowersCount { get; init; }
    public int FollowingCount { get; init; }
    public int PostCount { get; init; }
    public required string Role { get; init; }
    public required string AccountStatus { get; init; }
    public DateTime CreatedAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Email { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? EmailVerified { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? TwoFactorEnabled { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Settings { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ReferralCode { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ReferredBy { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ReferralCount { get; init; }

    /// <summary>Viewer relations: whether the viewer follows (or asked to follow) this user.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? IsFollowing { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FollowStatus { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? FollowsYou { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? IsBlocked { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? IsMuted { get; init; }

    public static UserView Of(Account account, ProfileRow profile, bool self) => new()
    {
        UnderscoreId = account.Id,
        Id = account.Id,
        Username = account.NormalizedUsername ?? "",
        DisplayUsername = account.Username ?? "",
        Name = profile.DisplayName ?? account.Username,
        Profile = new ProfileView(profile.DisplayName, profile.Bio, profile.Location, profile.Website, profile.Avatar, profile.Banner),
        Badges = profile.BadgeList,
        SocialLinks = JsonView.Parse(profile.SocialLinksJson),
        CryptoAddresses = JsonView.Parse(profile.CryptoAddressesJson),
        IsPrivate = profile.IsPrivate,
        FollowersCount = profile.FollowerCount,
        FollowingCount = profile.FollowingCount,
        PostCount = profile.PostCount,
        Role = account.Role,
        AccountStatus = account.Status,
        CreatedAt = account.CreatedAt,
        Email = self ? account.Email : null,
        EmailVerified = self ? account.EmailVerified : null,
        TwoFactorEnabled = self ? account.TwoFactorEnabled : null,
        Settings = self ? JsonView.Parse(profile.SettingsJson) : null,
        ReferralCode = self ? profile.ReferralCode : null,
        ReferredBy = self ? profile.ReferredBy : null,
    };
}

/// <summary>The light user inside posts and Follow records: username, name, <c>profile.avatar</c>, badges.</summary>
internal sealed record UserSummary(
    [property: JsonPropertyName("_id")] string UnderscoreId,
    string Id,
    string Username,
    string? Name,
    UserSummaryProfile Profile,
    IReadOnlyList<string> Badges)
{
    public static UserSummary Of(string accountId, string? username, ProfileRow? profile) => new(
        accountId, accountId, username?.ToLowerInvariant() ?? "", profile?.DisplayName ?? username,
        new UserSummaryProfile(profile?.DisplayName, profile?.Avatar), profile?.BadgeList ?? []);

    /// <summary>Stands in for an account that no longer exists.</summary>
    public static UserSummary Unknown(string accountId) => Of(accountId, "deleted", null);
}

internal sealed record UserSummaryProfile(string? DisplayName, string? Avatar);

internal static class JsonView
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>Stored JSON as an element to answer with; empty or broken text is <c>{}</c>.</summary>
    public static JsonElement Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return EmptyObject;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return EmptyObject;
        }
    }
}
