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
