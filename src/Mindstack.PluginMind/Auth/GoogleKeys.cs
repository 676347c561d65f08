using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Mindstack.PluginMind.Auth;

/// <summary>
/// Google's published signing keys, fetched from the configured JWKS URL and kept for as long as
/// its <c>Cache-Control: max-age</c> says (Google rotates keys and announces new ones ahead of use).
/// A token naming a key we do not hold refetches early, at most once a minute.
/// </summary>
internal sealed class GoogleKeys(
    IHttpClientFactory httpClients,
    IOptions<PluginMindOptions> options,
    TimeProvider clock,
    ILogger<GoogleKeys> logger)
{
    public const string HttpClientName = "pluginmind-google-jwks";
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MinimumRefetchGap = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Snapshot? _current;

    private sealed record Snapshot(IReadOnlyList<SecurityKey> Keys, DateTimeOffset FetchedAt, DateTimeOffset ExpiresAt);

    /// <summary>The keys to try for a token signed with key <paramref name="keyId"/>.</summary>
    public async Task<IReadOnlyList<SecurityKey>> GetAsync(string? keyId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var snapshot = _current;
        if (snapshot is not null && now < snapshot.ExpiresAt && (keyId is null || Holds(snapshot, keyId)))
        {
            return snapshot.Keys;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            snapshot = _current;
            var fresh = snapshot is not null && now < snapshot.ExpiresAt;
            var mayRefetchEarly = snapshot is null || now - snapshot.FetchedAt >= MinimumRefetchGap;
            if (fresh && (keyId is null || Holds(snapshot!, keyId) || !mayRefetchEarly))
            {
                return snapshot!.Keys;
            }
            _current = await FetchAsync(now, cancellationToken);
            return _current.Keys;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static bool Holds(Snapshot snapshot, string keyId) =>
        snapshot.Keys.Any(k => string.Equals(k.KeyId, keyId, StringComparison.Ordinal));

    private async Task<Snapshot> FetchAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var url = options.Value.Google.JwksUrl;
        using var client = httpClients.CreateClient(HttpClientName);
        using var response = await client.GetAsync(url, cancellationToken);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadAsStringAsync(cancellationToken);
        var set = new JsonWebKeySet(json);
        var lifetime = LifetimeOf(response.Headers.CacheControl);
        logger.LogInformation("Fetched {Count} Google signing keys, cached for {Lifetime}", set.Keys.Count, lifetime);
        return new Snapshot([.. set.GetSigningKeys()], now, now + lifetime);
    }

    private static TimeSpan LifetimeOf(CacheControlHeaderValue? cacheControl) =>
        cacheControl switch
        {
            { NoStore: true } or { NoCache: true } => TimeSpan.Zero,
            { MaxAge: { } maxAge } => maxAge,
            _ => DefaultLifetime,
        };
}
