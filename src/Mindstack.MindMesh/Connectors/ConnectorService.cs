using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.MindMesh.Storage;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Connectors;

/// <summary>Connector providers and statuses.</summary>
internal static class ConnectorProviders
{
    public const string EmailOutbox = "email_outbox";
    public const string LocalFiles = "local_files";
    public const string WebhookInbox = "webhook_inbox";

    /// <summary>Providers connected with OAuth2 (configured under <c>Mindstack:MindMesh:Providers:&lt;name&gt;</c>).</summary>
    public static readonly IReadOnlyList<string> OAuth = [Gmail, Calendar, Slack];

    public const string Gmail = "gmail";
    public const string Calendar = "calendar";
    public const string Slack = "slack";

    /// <summary>Where a provider's API is when <see cref="OAuthProviderOptions.ApiBaseUrl"/> is unset: the real service.</summary>
    public static string DefaultApiBase(string provider) => provider switch
    {
        Gmail => "https://gmail.googleapis.com",
        Calendar => "https://www.googleapis.com",
        _ => "https://slack.com",
    };

    public static class Status
    {
        public const string Active = "active";
        public const string Inactive = "inactive";
        public const string Error = "error";
        public const string Syncing = "syncing";

        public static IReadOnlyList<string> All { get; } = [Active, Inactive, Error, Syncing];
    }
}

/// <summary>An OAuth2 provider's settings: its client, token endpoint and API.</summary>
public sealed class OAuthProviderOptions
{
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    /// <summary>Where an authorization code (and a refresh token) is exchanged for tokens.</summary>
    public string? TokenUrl { get; set; }
    public string? RedirectUri { get; set; }
    public string? Scopes { get; set; }
    /// <summary>The provider's API root (unset: the real Google or Slack API); a sync reads content from it.</summary>
    public string? ApiBaseUrl { get; set; }
    /// <summary>The most items one sync brings in (the newest first where the API orders them).</summary>
    public int MaxItemsPerSync { get; set; } = 500;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret)
        && Uri.TryCreate(TokenUrl, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http";
}

/// <summary>
/// A tenant's connectors. Every tenant starts with the built-ins that need no outside service:
/// <c>email_outbox</c> (the platform's email sender), <c>local_files</c> (a folder under the data
/// folder, synced into memory) and <c>webhook_inbox</c> (documents POSTed with its secret).
/// OAuth2 providers are added by the authorization-code callback; their tokens are encrypted with
/// ASP.NET Core Data Protection and refreshed when they expire.
/// </summary>
internal sealed class ConnectorService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    IDataProtectionProvider protection,
    IHttpClientFactory http,
    IOptions<MindMeshOptions> options,
    DatabaseSettings database)
{
    public const string HttpClientName = "mindmesh.oauth";

    private IDataProtector Protector => protection.CreateProtector("Mindstack.MindMesh.Connectors.v1");

    public void AddBuiltIns(string tenantId, DateTime now)
    {
        db.Add(New(tenantId, ConnectorProviders.EmailOutbox, "Email outbox", ["send"], 0, now));
        db.Add(New(tenantId, ConnectorProviders.LocalFiles, "Local files", ["read"], 3600, now));
        var inbox = New(tenantId, ConnectorProviders.WebhookInbox, "Webhook inbox", ["receive"], 0, now);
        inbox.SecretCipher = Protector.Protect(NewSecret());
        db.Add(inbox);
    }

    /// <summary>A fresh inbox secret (the <c>whs_</c> prefix makes a leaked one easy to spot).</summary>
    public static string NewSecret() => "whs_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <summary>The <c>webhook_inbox</c> connector's secret, for the tenant's connector managers to hand to the sender.</summary>
    public string? InboxSecret(ConnectorRow connector) =>
        connector.Provider == ConnectorProviders.WebhookInbox && connector.SecretCipher is { } cipher ? Protector.Unprotect(cipher) : null;

    /// <summary>Replaces the inbox's secret (the old one stops working at once).</summary>
    public void RotateInboxSecret(ConnectorRow connector) => connector.SecretCipher = Protector.Protect(NewSecret());

    /// <summary>True when <paramref name="given"/> is the inbox's secret (compared in constant time).</summary>
    public bool IsInboxSecret(ConnectorRow connector, string? given)
    {
        if (InboxSecret(connector) is not { } secret || string.IsNullOrEmpty(given))
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(secret)),
            SHA256.HashData(Encoding.UTF8.GetBytes(given)));
    }

    /// <summary>The folder a tenant's <c>local_files</c> connector reads: <c>&lt;data&gt;/mindmesh/files/&lt;tenant&gt;</c>.</summary>
    public string FolderOf(string tenantId) => Path.Combine(database.DataDirectory, "mindmesh", "files", tenantId);

    /// <summary>
    /// The authorization-code callback: exchanges the code at the provider's token endpoint and
    /// stores the tokens encrypted, on the tenant's connector of that provider (made if it has none).
    /// </summary>
    public async Task<ConnectorRow> CompleteOAuthAsync(string tenantId, string provider, string? code, string? state, CancellationToken ct)
    {
        if (!ConnectorProviders.OAuth.Contains(provider))
        {
            throw Problem.NotFound($"Unknown OAuth provider '{provider}'; OAuth providers are {string.Join(", ", ConnectorProviders.OAuth)}");
        }
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(code) || code.Length > 2000)
        {
            errors.Add(new FieldError("code", "The authorization code is required"));
        }
        if (string.IsNullOrWhiteSpace(state) || state.Length > 500)
        {
            errors.Add(new FieldError("state", "The state is required"));
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        var settings = Provider(provider);
        var tokens = await RequestTokensAsync(provider, settings, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code!,
            ["redirect_uri"] = settings.RedirectUri ?? "",
            ["client_id"] = settings.ClientId!,
            ["client_secret"] = settings.ClientSecret!,
        }, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var connector = await db.Set<ConnectorRow>().FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Provider == provider, ct);
        if (connector is null)
        {
            connector = New(tenantId, provider, provider switch { "gmail" => "Gmail", "calendar" => "Calendar", _ => "Slack" },
                (settings.Scopes ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries), 300, now);
            db.Add(connector);
        }
        Store(connector, tokens, now);
        connector.Status = ConnectorProviders.Status.Active;
        connector.IsEnabled = true;
        connector.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return connector;
    }

    /// <summary>The connector's access token, refreshed first when it has expired (or is about to).</summary>
    public async Task<string> AccessTokenAsync(ConnectorRow connector, CancellationToken ct)
    {
        if (connector.AccessTokenCipher is null)
        {
            throw Problem.Unavailable($"The {connector.Provider} connector has no token: connect it again");
        }
        if (connector.TokenExpiresAt is { } expires && expires <= clock.GetUtcNow().UtcDateTime.AddMinutes(1))
        {
            return await RefreshAsync(connector, ct);
        }
        return Protector.Unprotect(connector.AccessTokenCipher);
    }

    /// <summary>Exchanges the connector's refresh token for a new access token (on expiry, or when the provider refused the old one).</summary>
    public async Task<string> RefreshAsync(ConnectorRow connector, CancellationToken ct)
    {
        if (connector.RefreshTokenCipher is null)
        {
            throw Problem.Unavailable($"The {connector.Provider} token expired or was refused and there is no refresh token: connect it again");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var settings = Provider(connector.Provider);
        var tokens = await RequestTokensAsync(connector.Provider, settings, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = Protector.Unprotect(connector.RefreshTokenCipher),
            ["client_id"] = settings.ClientId!,
            ["client_secret"] = settings.ClientSecret!,
        }, ct);
        Store(connector, tokens, now);
        connector.UpdatedAt = now;
        return tokens.AccessToken!;
    }

    /// <summary>A configured provider's settings (503 "not configured" otherwise).</summary>
    public OAuthProviderOptions Settings(string provider) => Provider(provider);

    private OAuthProviderOptions Provider(string provider) =>
        options.Value.Providers.TryGetValue(provider, out var settings) && settings.IsConfigured
            ? settings
            : throw Problem.Unavailable($"The {provider} provider is not configured: set {MindMeshOptions.Section}:Providers:{provider}:ClientId, ClientSecret and TokenUrl");

    private void Store(ConnectorRow connector, TokenResponse tokens, DateTime now)
    {
        connector.AccessTokenCipher = Protector.Protect(tokens.AccessToken!);
        if (tokens.RefreshToken is { Length: > 0 } refresh)
        {
            connector.RefreshTokenCipher = Protector.Protect(refresh);
        }
        connector.TokenExpiresAt = tokens.ExpiresIn is > 0 ? now.AddSeconds(tokens.ExpiresIn.Value) : null;
        if (tokens.Scope is { Length: > 0 } scope)
        {
            connector.ScopesJson = JsonSerializer.Serialize(scope.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        connector.LastError = null;
    }

    private async Task<TokenResponse> RequestTokensAsync(string provider, OAuthProviderOptions settings, Dictionary<string, string> form, CancellationToken ct)
    {
        using var client = http.CreateClient(HttpClientName);
        HttpResponseMessage response;
        try
        {
            response = await client.PostAsync(settings.TokenUrl, new FormUrlEncodedContent(form), ct);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new Problem(ProblemKind.UpstreamFailed, $"The {provider} token endpoint could not be reached");
        }
        using (response)
        {
            TokenResponse? tokens = null;
            try
            {
                tokens = await response.Content.ReadFromJsonAsync<TokenResponse>(MindMeshJson.Options, ct);
            }
            catch (JsonException)
            {
            }
            if (!response.IsSuccessStatusCode || tokens?.AccessToken is not { Length: > 0 })
            {
                var reason = tokens?.Error is { Length: > 0 } error ? $": {error}" : $" ({(int)response.StatusCode})";
                var what = form["grant_type"] == "refresh_token" ? "the refresh token" : "the code";
                throw new Problem(ProblemKind.BadRequest, $"The {provider} token endpoint refused {what}{reason}");
            }
            return tokens;
        }
    }

    private ConnectorRow New(string tenantId, string provider, string name, IEnumerable<string> scopes, int syncFrequency, DateTime now) => new()
    {
        Id = ids.New("connector"),
        TenantId = tenantId,
        Provider = provider,
        Name = name,
        ScopesJson = JsonSerializer.Serialize(scopes),
        Status = ConnectorProviders.Status.Active,
        SyncFrequency = syncFrequency,
        CreatedAt = now,
        UpdatedAt = now,
    };

    private sealed record TokenResponse(string? AccessToken, string? RefreshToken, int? ExpiresIn, string? Scope, string? Error);
}
