namespace Mindstack.Platform.Access;

/// <summary>One way an API reads a credential from a request.</summary>
public abstract record CredentialScheme;

/// <summary><c>Authorization: Bearer &lt;JWT&gt;</c>, an access token whose <c>aud</c> is the API.</summary>
public sealed record BearerTokenScheme : CredentialScheme;

/// <summary>An API key in a header (<c>X-API-Key: msk_…</c>), of the given format.</summary>
public sealed record ApiKeyHeaderScheme(string Header, ApiKeyFormat Format) : CredentialScheme;

/// <summary>
/// An API key as a bearer token (<c>Authorization: Bearer mk_…</c>, Mindra): claims a bearer value
/// that starts with one of the format's prefixes; any other bearer value is left to the next
/// scheme (or refused when no scheme takes it).
/// </summary>
public sealed record BearerApiKeyScheme(ApiKeyFormat Format) : CredentialScheme;

/// <summary>A cookie holding an access token (PluginMind's <c>pm_session</c>).</summary>
public sealed record TokenCookieScheme(string CookieName) : CredentialScheme;

/// <summary>A query parameter holding an access token (WebSocket handshakes: <c>?token=</c>).</summary>
public sealed record QueryTokenScheme(string Parameter = "token") : CredentialScheme;

/// <summary>
/// The credentials an API reads (question 3 of a Dialect): its token audience, the schemes tried
/// in order (the first credential present decides; a present but bad one is refused, never
/// skipped), and the path rules for its API keys. A Dialect declares them in
/// <c>Dialect.Credentials</c>; an endpoint or route group may override with
/// <c>WithCredentials(...)</c>.
/// </summary>
public sealed record ApiCredentials(string Audience, IReadOnlyList<CredentialScheme> Schemes, ApiKeyPathRules? KeyRules = null)
{
    /// <summary>Reads nothing: every caller is anonymous.</summary>
    public static ApiCredentials None { get; } = new("", []);

    public ApiKeyPathRules Rules => KeyRules ?? ApiKeyPathRules.None;

    /// <summary>Bearer JWT, or <c>X-API-Key: msk_…</c> with MindSwarm's path denylist and read/write rules.</summary>
    public static ApiCredentials MindSwarm { get; } = new("mindswarm",
        [new BearerTokenScheme(), new ApiKeyHeaderScheme("X-API-Key", ApiKeyFormat.MindSwarm)], ApiKeyPathRules.MindSwarm);

    /// <summary><c>Authorization: Bearer mk_…</c> (or <c>mk_test_…</c>), or a bearer JWT for dashboard sessions.</summary>
    public static ApiCredentials Mindra { get; } = new("mindra", [new BearerApiKeyScheme(ApiKeyFormat.Mindra), new BearerTokenScheme()]);

    /// <summary>Bearer JWT or <c>X-API-Key: mpk_…</c>.</summary>
    public static ApiCredentials MindPeeker { get; } = new("mindpeeker",
        [new BearerTokenScheme(), new ApiKeyHeaderScheme("X-API-Key", ApiKeyFormat.MindPeeker)]);

    /// <summary>The <c>pm_session</c> cookie.</summary>
    public static ApiCredentials PluginMind { get; } = new("pluginmind", [new TokenCookieScheme("pm_session")]);

    /// <summary>Bearer JWT.</summary>
    public static ApiCredentials MindMesh { get; } = new("mindmesh", [new BearerTokenScheme()]);
}
