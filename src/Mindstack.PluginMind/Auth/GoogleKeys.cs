using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Mindstack.Platform.Http;

namespace Mindstack.PluginMind.Auth;

/// <summary>
/// Google's published signing keys, fetched from the configured JWKS URL and kept for as long as
/// its <c>Cache-Control: max-age</c> says (Google rotates keys and announces new ones ahead of use).
/// Fetches are backed off so that tokens sent by anyone can never make us fetch once per request:
/// a token naming a key we do not hold refetches early at most once per <see cref="UnknownKeyRefetchGap"/>;
/// after a failed fetch, or when the keys expire right away (<c>max-age=0</c>), the next fetch
/// waits <see cref="MinimumFetchGap"/>, serving the keys we still hold meanwhile (holding none, 503).
/// </summary>
internal sealed class GoogleKeys(
    IHttpClientFactory httpClients,
    IOptions<PluginMindOptions> options,
    TimeProvider clock,
    ILogger<GoogleKeys> logger)
{
    public const string HttpClientName = "pluginmind-google-jwks";
    public static readonly TimeSpan UnknownKeyRefetchGap = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MinimumFetchGap = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Snapshot? _current;
    private DateTimeOffset? _lastAttempt;
    private bool _lastAttemptFailed;

    private sealed record Snapshot(IReadOnlyList<SecurityKey> Keys, DateTimeOffset ExpiresAt);

    /// <summary>
    /// The keys to try for a token signed with key <paramref name="keyId"/> (they may not include
    /// it: the signature check then fails). An Unavailable problem when none could ever be fetched.
    /// </summary>
    public async Task<IReadOnlyList<SecurityKey>> GetAsync(string? keyId, CancellationToken cancellationToken)
    {
        if (Cached(clock.GetUtcNow(), keyId) is { } cached)
        {
            return cached;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = clock.GetUtcNow();
            if (Cached(now, keyId) is { } fetchedMeanwhile)
            {
                return fetchedMeanwhile;
            }
            _lastAttempt = now;
            try
            {
                _current = await FetchAsync(now, cancellationToken);
                _lastAttemptFailed = false;
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _lastAttemptFailed = true;
                logger.LogWarning(exception, "Fetching Google signing keys from {Url} failed", options.Value.Google.JwksUrl);
            }
            return _current?.Keys ?? throw Unavailable();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The held keys when no fetch is due or allowed yet; null when one should be made now.</summary>
    private IReadOnlyList<SecurityKey>? Cached(DateTimeOffset now, string? keyId)
    {
        var snapshot = _current;
        var sinceAttempt = _lastAttempt is { } attempt ? now - attempt : TimeSpan.MaxValue;
        if (_lastAttemptFailed && sinceAttempt < MinimumFetchGap)
        {
            return snapshot?.Keys ?? throw Unavailable();
        }
        if (snapshot is null)
        {
            return null;
        }
        if (now >= snapshot.ExpiresAt)
        {
            return sinceAttempt < MinimumFetchGap ? snapshot.Keys : null;
        }
        if (keyId is null || snapshot.Keys.Any(k => string.Equals(k.KeyId, keyId, StringComparison.Ordinal)))
        {
            return snapshot.Keys;
        }
        // A key we do not hold: perhaps newly published, perhaps made up. One early refetch per gap.
        return sinceAttempt < UnknownKeyRefetchGap ? snapshot.Keys : null;
    }

    private static Problem Unavailable() => new(ProblemKind.Unavailable, "Google signing keys are unavailable; try again later");

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
        return new Snapshot([.. set.GetSigningKeys()], now + lifetime);
    }

    private static TimeSpan LifetimeOf(CacheControlHeaderValue? cacheControl) =>
        cacheControl switch
        {
            { NoStore: true } or { NoCache: true } => TimeSpan.Zero,
            { MaxAge: { } maxAge } => maxAge,
            _ => DefaultLifetime,
        };
}
