using Mindstack.Platform.Http;

namespace Mindstack.Platform.Accounts;

/// <summary>An API's password rules, enforced with field errors on <c>password</c>.</summary>
public sealed record PasswordPolicy(int MinLength, bool RequireUpper, bool RequireLower, bool RequireDigit, int MaxLength = 128)
{
    /// <summary>A lenient default: 8+ characters.</summary>
    public static PasswordPolicy Default { get; } = new(8, RequireUpper: false, RequireLower: false, RequireDigit: false);

    /// <summary>What is wrong with the password, or an empty list.</summary>
    public IReadOnlyList<string> Check(string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return ["Password is required"];
        }
        var problems = new List<string>();
        if (password.Length < MinLength)
        {
            problems.Add($"Password must be at least {MinLength} characters");
        }
        if (password.Length > MaxLength)
        {
            problems.Add($"Password must be at most {MaxLength} characters");
        }
        if (RequireUpper && !password.Any(char.IsUpper))
        {
            problems.Add("Password must contain an uppercase letter");
        }
        if (RequireLower && !password.Any(char.IsLower))
        {
            problems.Add("Password must contain a lowercase letter");
        }
        if (RequireDigit && !password.Any(char.IsDigit))
        {
            problems.Add("Password must contain a number");
        }
        return problems;
    }

    /// <summary>Throws a Validation problem on <c>password</c> if the password breaks a rule.</summary>
    public void Enforce(string? password, string field = "password") => PolicyRules.Enforce(Check(password), field);
}

/// <summary>
/// An API's username rules: a length range; ASCII letters, digits and underscore, plus
/// <see cref="ExtraCharacters"/>.
/// </summary>
public sealed record UsernamePolicy(int MinLength, int MaxLength, string ExtraCharacters = "")
{
    /// <summary>A default: 3–32 characters, letters, digits, underscore, dot and hyphen.</summary>
    public static UsernamePolicy Default { get; } = new(3, 32, "._-");

    public bool IsAllowed(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' || ExtraCharacters.Contains(c);

    public IReadOnlyList<string> Check(string? username)
    {
        if (string.IsNullOrEmpty(username))
        {
            return ["Username is required"];
        }
        var problems = new List<string>();
        if (username.Length < MinLength || username.Length > MaxLength)
        {
            problems.Add($"Username must be {MinLength}-{MaxLength} characters");
        }
        if (!username.All(IsAllowed))
        {
            problems.Add(ExtraCharacters.Length == 0
                ? "Username may contain only letters, numbers and underscores"
                : $"Username may contain only letters, numbers, underscores and {string.Join(" ", ExtraCharacters.ToCharArray())}");
        }
        return problems;
    }

    /// <summary>Throws a Validation problem on <c>username</c> if the name breaks a rule.</summary>
    public void Enforce(string? username, string field = "username") => PolicyRules.Enforce(Check(username), field);

    /// <summary>
    /// A username this policy allows, made from free text (an email's local part), leaving
    /// <paramref name="reserve"/> characters free for a suffix that makes it unique.
    /// </summary>
    public string Suggest(string text, int reserve = 0)
    {
        var name = new string(text.Where(IsAllowed).ToArray());
        if (name.Length < MinLength)
        {
            name = (name + "_user").PadRight(MinLength, '0');
        }
        var room = Math.Max(MinLength, MaxLength - reserve);
        return name.Length > room ? name[..room] : name;
    }
}

internal static class PolicyRules
{
    /// <summary>One field error per broken rule; the first is the problem's message.</summary>
    public static void Enforce(IReadOnlyList<string> problems, string field)
    {
        if (problems.Count > 0)
        {
            throw Problem.Invalid(problems.Select(p => new FieldError(field, p)).ToList(), problems[0]);
        }
    }
}

/// <summary>Failed sign-ins allowed per account (or login name) within a sliding window.</summary>
public sealed record LoginThrottle(int MaxFailures, TimeSpan Window);

/// <summary>
/// Everything an API decides about its accounts and sessions, declared in its module's
/// <c>ApiDefinition.Accounts</c> and passed by the module as a value:
/// the token audience and lifetimes, the session cap, what a reused refresh token does, the
/// password/username rules, the failed-login limit and the one-time token lifetimes.
/// </summary>
public sealed record AuthPolicy
{
    /// <summary>The API's name: the access token's <c>aud</c> and the session's API.</summary>
    public required string Audience { get; init; }
    /// <summary>The product name used in emails and the 2FA issuer.</summary>
    public required string DisplayName { get; init; }
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);
    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(7);
    /// <summary>Concurrent sessions per account on this API; 0 = no cap. The oldest is ended.</summary>
    public int MaxSessions { get; init; }
    /// <summary>When a spent refresh token is reused: end every session of the account (not just its family).</summary>
    public bool ReuseRevokesAllSessions { get; init; }
    public PasswordPolicy Password { get; init; } = PasswordPolicy.Default;
    public UsernamePolicy Username { get; init; } = UsernamePolicy.Default;
    public LoginThrottle FailedLogins { get; init; } = new(10, TimeSpan.FromMinutes(15));
    public TimeSpan MagicLinkLifetime { get; init; } = TimeSpan.FromMinutes(15);
    public TimeSpan EmailVerificationLifetime { get; init; } = TimeSpan.FromHours(24);
    public TimeSpan PasswordResetLifetime { get; init; } = TimeSpan.FromHours(1);
    /// <summary>The tier new accounts get.</summary>
    public string DefaultTier { get; init; } = "free";
}
