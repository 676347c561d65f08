using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mindstack.PluginMind.Tests;

/// <summary>
/// Google, as far as sign-in needs it: an RSA key published as a JWKS on a loopback HTTP
/// listener (with <c>Cache-Control: max-age</c>), and ID tokens signed with it.
/// </summary>
public sealed class GoogleStandIn : IDisposable
{
    public const string ClientId = "test-client.apps.googleusercontent.com";
    public const string DevSecret = "pluginmind-dev-secret-for-tests-only-0123456789";

    private readonly HttpListener _listener = new();
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RsaSecurityKey _key;
    private int _fetches;

    public GoogleStandIn(int maxAgeSeconds = 3600)
    {
        MaxAgeSeconds = maxAgeSeconds;
        _key = new RsaSecurityKey(_rsa) { KeyId = "test-key-1" };
        var port = FreePort();
        JwksUrl = $"http://127.0.0.1:{port}/oauth2/v3/certs";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = ServeAsync();
    }

    public string JwksUrl { get; }

    public int MaxAgeSeconds { get; }

    /// <summary>When set, the JWKS endpoint answers this status instead of the keys (Google down).</summary>
    public HttpStatusCode? Failing { get; set; }

    /// <summary>How many times the JWKS was fetched.</summary>
    public int Fetches => Volatile.Read(ref _fetches);

    /// <summary>
    /// An RS256 ID token as Google would issue it (override any claim). <paramref name="emailVerified"/>
    /// is written as it is given: a bool as a JSON boolean, a string as a JSON string, <see cref="NoClaim"/>
    /// left out; null (the default) is Google's <c>true</c>.
    /// </summary>
    public string IdToken(string subject, string email, string? name = null, string audience = ClientId,
        string issuer = "https://accounts.google.com", DateTime? expires = null, SigningCredentials? signing = null,
        object? emailVerified = null) =>
        GoogleIdTokens.Create(signing ?? new SigningCredentials(_key, SecurityAlgorithms.RsaSha256), subject, email, audience, issuer,
            expires, name, emailVerified);

    /// <summary>An HS256 token signed with the development secret.</summary>
    public string DevToken(string subject, string email, string secret = DevSecret, object? emailVerified = null) =>
        IdToken(subject, email, signing: new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
            emailVerified: emailVerified);

    /// <summary>A token signed by a key Google never published (under Google's key id, or another).</summary>
    public static string ForeignToken(string subject, string email, string keyId = "test-key-1")
    {
        using var rsa = RSA.Create(2048);
        var stranger = new GoogleStandIn.Foreign(rsa);
        return stranger.Sign(subject, email, keyId);
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with Google's claims.</summary>
    public static string UnsignedToken(string subject, string email)
    {
        static string Segment(object value) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(value));
        var header = Segment(new { alg = "none", typ = "JWT" });
        var payload = Segment(new
        {
            iss = "https://accounts.google.com",
            aud = ClientId,
            sub = subject,
            email,
            email_verified = true,
            exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
        });
        return $"{header}.{payload}.";
    }

    /// <summary>Leaves the claim out of a token.</summary>
    public static readonly object NoClaim = GoogleIdTokens.NoClaim;

    private sealed class Foreign(RSA rsa)
    {
        public string Sign(string subject, string email, string keyId) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://accounts.google.com",
            Audience = ClientId,
            Expires = DateTime.UtcNow.AddHours(1),
            Subject = new ClaimsIdentity([new Claim("sub", subject), new Claim("email", email), new Claim("email_verified", "true", ClaimValueTypes.Boolean)]),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256),
        });
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            Interlocked.Increment(ref _fetches);
            if (Failing is { } status)
            {
                context.Response.StatusCode = (int)status;
                context.Response.Close();
                continue;
            }
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_rsa.ExportParameters(false)) { KeyId = _key.KeyId });
            var body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                keys = new[] { new { kty = "RSA", kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } },
            });
            context.Response.ContentType = "application/json";
            context.Response.Headers["Cache-Control"] = $"public, max-age={MaxAgeSeconds}, must-revalidate, no-transform";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Close();
        _rsa.Dispose();
    }
}
