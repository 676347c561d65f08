using System.Reflection;
using Microsoft.AspNetCore.Http;
using Mindstack.Platform.Accounts;

namespace Mindstack.Platform.Access;

/// <summary>How a caller proved who it is.</summary>
public enum CallerMethod
{
    /// <summary>A bearer access token (JWT) of a session.</summary>
    AccessToken,
    /// <summary>An access token carried in a cookie.</summary>
    Cookie,
    /// <summary>An API key.</summary>
    ApiKey,
}

/// <summary>
/// Who is calling, resolved once per request from the API's credentials. An endpoint takes it
/// as a parameter (<c>Caller caller</c>: answered 401 when there is none) or reads it with
/// <c>await context.GetCallerAsync()</c>.
/// </summary>
public sealed class Caller : IBindableFromHttpContext<Caller>
{
    public required string AccountId { get; init; }
    /// <summary>The session (the token's <c>sid</c>) for token callers; null for API keys.</summary>
    public string? SessionId { get; init; }
    /// <summary>The key's id for API-key callers; null otherwise.</summary>
    public string? ApiKeyId { get; init; }
    /// <summary>The API the credential belongs to.</summary>
    public required string Api { get; init; }
    /// <summary>The account's role (<c>user</c>, <c>moderator</c>, <c>admin</c>).</summary>
    public required string Role { get; init; }
    /// <summary>Every role held: the account's and those ranked below it.</summary>
    public IReadOnlyList<string> Roles => AccountRoles.Implied(Role);
    public required string Tier { get; init; }
    /// <summary>The key's permissions; empty for token callers (who act as the account itself).</summary>
    public IReadOnlyList<string> Permissions { get; init; } = [];
    /// <summary>A sandbox key (its format's sandbox prefix): no charges, simulated work.</summary>
    public bool Sandbox { get; init; }
    public required CallerMethod Method { get; init; }
    public bool EmailVerified { get; init; }
    public string AccountStatus { get; init; } = Accounts.AccountStatus.Active;

    public bool IsApiKey => Method == CallerMethod.ApiKey;

    public bool IsInRole(string role) => Roles.Contains(role, StringComparer.Ordinal);

    /// <summary>
    /// Whether the caller may do what <paramref name="permission"/> names. Token callers are the
    /// account itself and hold every permission; keys hold what they were given.
    /// </summary>
    public bool HasPermission(string permission) => !IsApiKey || Permissions.Contains(permission, StringComparer.Ordinal);

    /// <summary>Binding a <see cref="Caller"/> parameter requires one: no credential is Unauthorized.</summary>
    public static async ValueTask<Caller?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        await context.RequireCallerAsync();
}
