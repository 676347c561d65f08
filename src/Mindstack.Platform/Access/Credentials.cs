namespace Mindstack.Platform.Access;

/// <summary>One way an API reads a credential from a request.</summary>
public abstract record CredentialScheme;

/// <summary><c>Authorization: Bearer &lt;JWT&gt;</c>, an access token whose <c>aud</c> is the API.</summary>
public sealed record BearerTokenScheme : CredentialScheme;

/// <summary>An API key in a header (<c>X-API-Key: ex_…</c>), of the given format.</summary>
public sealed record ApiKeyHeaderScheme(string Header, ApiKeyFormat Format) : CredentialScheme;

/// <summary>
/// An API key as a bearer token (<c>Authorization: Bearer ex_…</c>): claims a bearer value
/// that starts with one of the format's prefixes; any other bearer value is left to the next
/// scheme (or refused when no scheme takes it).
/// </summary>
public sealed record BearerApiKeyScheme(ApiKeyFormat Format) : CredentialScheme;

/// <summary>A cookie holding an access token (e.g. <c>session</c>).</summary>
public sealed record TokenCookieScheme(string CookieName) : CredentialScheme;

/// <summary>A query parameter holding an access token (WebSocket handshakes: <c>?token=</c>).</summary>
public sealed record QueryTokenScheme(string Parameter = "token") : CredentialScheme;

/// <summary>
/// The credentials an API reads (part of its ApiDefinition): its token audience, the schemes tried
/// in order (the first credential present decides; a present but bad one is refused, never
/// skipped), and the path rules for its API keys. An API declares them in its
/// <c>ApiDefinition.Credentials</c>; an endpoint or route group may override with
/// <c>WithCredentials(...)</c>.
/// </summary>
public sealed record ApiCredentials(string Audience, IReadOnlyList<CredentialScheme> Schemes, ApiKeyPathRules? KeyRules = null)
{
    /// <summary>Reads nothing: every caller is anonymous.</summary>
    public static ApiCredentials None { get; } = new("", []);

    public ApiKeyPathRules Rules => KeyRules ?? ApiKeyPathRules.None;

    /// <summary>Every key format the schemes read, in order.</summary>
    public IEnumerable<ApiKeyFormat> KeyFormats => Schemes.Select(s => s switch
    {
        ApiKeyHeaderScheme header => header.Format,
        BearerApiKeyScheme bearer => bearer.Format,
        _ => null,
    }).OfType<ApiKeyFormat>();

    /// <summary>The API's key format (the first the schemes read), or null when they read no keys.</summary>
    public ApiKeyFormat? KeyFormat => KeyFormats.FirstOrDefault();
}
