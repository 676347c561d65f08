namespace Mindstack.Platform.Accounts;

/// <summary>
/// One person or agent, shared by every API (per-API profile data lives in the module).
/// Email and username are unique without regard to case (their normalized forms are indexed).
/// </summary>
public sealed class Account
{
    public required string Id { get; set; }
    public required string Email { get; set; }
    public required string NormalizedEmail { get; set; }
    public string? Username { get; set; }
    public string? NormalizedUsername { get; set; }
    /// <summary>ASP.NET Core Identity's hash; null for passwordless (magic-link) accounts.</summary>
    public string? PasswordHash { get; set; }
    /// <summary>One of <see cref="AccountStatus"/>.</summary>
    public string Status { get; set; } = AccountStatus.Active;
    public bool EmailVerified { get; set; }
    /// <summary>One of <see cref="AccountRoles"/>.</summary>
    public string Role { get; set; } = AccountRoles.User;
    /// <summary>A tier name a module defines (<c>basic</c>, <c>professional</c>, <c>developer</c>…).</summary>
    public string Tier { get; set; } = "free";
    public DateTime CreatedAt { get; set; }
    public DateTime? LastLoginAt { get; set; }
    public bool TwoFactorEnabled { get; set; }
    /// <summary>The TOTP secret (base32) once 2FA is enabled.</summary>
    public string? TwoFactorSecret { get; set; }
    /// <summary>A secret set up but not yet confirmed with a code.</summary>
    public string? TwoFactorPendingSecret { get; set; }
    /// <summary>The last TOTP time step accepted, so a code is never accepted twice.</summary>
    public long TwoFactorLastStep { get; set; }
}

/// <summary>Account states. Suspended and banned accounts cannot sign in or use keys.</summary>
public static class AccountStatus
{
    public const string Active = "active";
    public const string Suspended = "suspended";
    public const string Banned = "banned";
    public const string PendingDeletion = "pending_deletion";

    public static readonly IReadOnlyList<string> All = [Active, Suspended, Banned, PendingDeletion];

    /// <summary>Whether an account in this state may authenticate.</summary>
    public static bool CanAuthenticate(string status) => status is Active or PendingDeletion;
}

/// <summary>
/// Roles, ranked: an admin also holds the moderator and user roles, a moderator the user role.
/// </summary>
public static class AccountRoles
{
    public const string User = "user";
    public const string Moderator = "moderator";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [User, Moderator, Admin];

    /// <summary>The roles an account with <paramref name="role"/> holds (its own and those below it).</summary>
    public static IReadOnlyList<string> Implied(string role) => role switch
    {
        Admin => [Admin, Moderator, User],
        Moderator => [Moderator, User],
        _ => [User],
    };

    public static bool IsKnown(string role) => All.Contains(role);
}
