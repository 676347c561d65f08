namespace Mindstack.PluginMind.Users;

/// <summary>
/// PluginMind's part of a platform account: the Google identity and profile it signed in with.
/// Email, role, tier and status are the account's.
/// </summary>
internal sealed class PluginMindUser
{
    public required string AccountId { get; set; }
    public string? GoogleId { get; set; }
    public string? Name { get; set; }
    public string? Picture { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>The flat user of <c>/auth/google</c>, <c>/auth/me</c> and <c>/users/profile</c>.</summary>
internal sealed record FlatUserView(string Id, string Email, string Name, string? Picture, string Role, string SubscriptionTier, DateTime CreatedAt,
    bool IsActive);

/// <summary><c>GET /me</c>: the signed-in user's record.</summary>
internal sealed record MeView(string Id, string Email, string? GoogleId, string SubscriptionTier, bool IsActive, DateTime CreatedAt);

/// <summary><c>GET /me/usage</c>: this month's queries against the tier's limit.</summary>
internal sealed record UsageView(int QueriesUsed, int QueriesLimit, int RemainingQueries, string SubscriptionTier, bool CanMakeQuery);

/// <summary><c>GET /users/profile</c> and <c>GET /profile</c>.</summary>
internal sealed record ProfileView(FlatUserView User);
