namespace Mindstack.PluginMind;

/// <summary>PluginMind's settings, bound from <c>Mindstack:PluginMind:*</c>.</summary>
public sealed class PluginMindOptions
{
    public const string Section = "Mindstack:PluginMind";

    public GoogleOptions Google { get; set; } = new();

    /// <summary>
    /// Origins allowed to call with credentials (the Next.js front end), e.g.
    /// <c>http://localhost:3000</c>. Empty: no cross-origin access.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Monthly query limits per subscription tier; a tier not listed gets <see cref="DefaultQueryLimit"/>.</summary>
    public Dictionary<string, int> TierQueryLimits { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["free"] = 10,
        ["pro"] = 1_000,
        ["enterprise"] = 100_000,
    };

    /// <summary>The limit of a tier missing from <see cref="TierQueryLimits"/>.</summary>
    public int DefaultQueryLimit { get; set; } = 10;

    /// <summary>
    /// <c>/analyze-async</c> jobs a client without a session may queue per UTC day, counted per
    /// client network (an IPv4 address, an IPv6 /64). 0 turns anonymous use off: the route then
    /// needs a session, like <c>/process</c> and <c>/analyze</c>.
    /// </summary>
    public int AnonymousQueriesPerDay { get; set; } = 10;

    /// <summary>Emails (any case) made admins when they sign in: they see every user's jobs and logs.</summary>
    public List<string> AdminEmails { get; set; } = [];

    /// <summary>
    /// The live crypto price source: a URL answering CoinGecko's <c>simple/price</c> shape
    /// (<c>{"bitcoin": {"usd": 1}}</c>) for <c>?ids=…&amp;vs_currencies=usd</c>. Empty: none; crypto
    /// analyses say plainly that no live prices were used.
    /// </summary>
    public string? CryptoPriceUrl { get; set; }

    /// <summary>
    /// How long one attempt of an <c>/analyze-async</c> job may take before it counts as a provider
    /// timeout (retried like one, and on the last attempt the job fails with that error). Kept under
    /// the queue's own 5-minute limit for the job, so a job never dies while still "processing".
    /// </summary>
    public TimeSpan AnalysisTimeout { get; set; } = TimeSpan.FromMinutes(4.5);

    /// <summary>Attempts an <c>/analyze-async</c> job gets when the provider is down, overloaded or slow.</summary>
    public int AnalysisAttempts { get; set; } = 3;

    public int QueryLimitFor(string? tier) =>
        tier is not null && TierQueryLimits.TryGetValue(tier, out var limit) ? limit : DefaultQueryLimit;
}

/// <summary>Google sign-in.</summary>
public sealed class GoogleOptions
{
    /// <summary>The OAuth client id: the <c>aud</c> an ID token must carry.</summary>
    public string? ClientId { get; set; }

    /// <summary>Where Google publishes its signing keys (a JWKS).</summary>
    public string JwksUrl { get; set; } = "https://www.googleapis.com/oauth2/v3/certs";

    /// <summary>
    /// For offline development and tests only: also accept HS256 ID tokens signed with this
    /// secret (same claim checks). Refused at start in Production.
    /// </summary>
    public string? DevSecret { get; set; }
}
