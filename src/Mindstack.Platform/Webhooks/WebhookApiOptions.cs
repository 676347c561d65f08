using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mindstack.Platform.Webhooks;

/// <summary>The event a webhook carries.</summary>
public sealed record WebhookEvent(
    string Id,
    string Type,
    string AccountId,
    string AggregateType,
    string AggregateId,
    JsonElement Data,
    DateTime OccurredAt);

/// <summary>
/// How one API's webhooks look on the wire, supplied by its module with
/// <see cref="WebhooksExtensions.AddWebhookApi"/> under the API's Dialect name.
/// </summary>
public sealed class WebhookApiOptions
{
    /// <summary>The header carrying <c>sha256=&lt;hex&gt;</c>, the HMAC-SHA256 of the raw body with the subscription's secret.</summary>
    public string SignatureHeader { get; set; } = "X-Mindstack-Signature";

    /// <summary>
    /// When set (e.g. <c>signature</c>), the signature is also put inside the payload under this
    /// member, computed over the body without that member: the body exactly as sent with the text
    /// <c>"signature":"sha256=…"</c> and its separating comma removed. Place it in <see cref="Payload"/>'s
    /// object (with any value) to choose its position; otherwise it is appended. The header still
    /// signs the raw body as sent, member included.
    /// </summary>
    public string? SignatureField { get; set; }

    /// <summary>The JSON body for an event (default <see cref="WebhookPayloads.Standard"/>).</summary>
    public Func<WebhookEvent, JsonObject> Payload { get; set; } = WebhookPayloads.Standard;
}

public static class WebhookPayloads
{
    /// <summary><c>{"id":"evt_…","event":"session.completed","timestamp":"2026-…Z","data":{…}}</c>.</summary>
    public static JsonObject Standard(WebhookEvent e) => new()
    {
        ["id"] = e.Id,
        ["event"] = e.Type,
        ["timestamp"] = Timestamp(e.OccurredAt),
        ["data"] = JsonNode.Parse(e.Data.GetRawText()),
    };

    /// <summary>ISO 8601 UTC with milliseconds, as every payload writes times.</summary>
    public static string Timestamp(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>Webhook signatures: <c>sha256=</c> + lowercase hex HMAC-SHA256 with the subscription's secret.</summary>
public static class WebhookSignature
{
    public const string Prefix = "sha256=";

    public static string Compute(string secret, ReadOnlySpan<byte> body) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Constant-time check of a received signature.</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? signature) =>
        signature is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Compute(secret, body)), Encoding.ASCII.GetBytes(signature));
}

/// <summary>A signed body, ready to POST.</summary>
internal sealed record WebhookMessage(byte[] Body, string Signature)
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static WebhookMessage Build(WebhookApiOptions options, WebhookEvent webhookEvent, string secret)
    {
        var payload = options.Payload(webhookEvent);
        if (options.SignatureField is { Length: > 0 } field)
        {
            var index = payload.IndexOf(field);
            if (index >= 0)
            {
                payload.RemoveAt(index);
            }
            var unsigned = Encoding.UTF8.GetBytes(payload.ToJsonString(Compact));
            var inner = WebhookSignature.Compute(secret, unsigned);
            payload.Insert(index >= 0 ? index : payload.Count, field, inner);
        }
        var body = Encoding.UTF8.GetBytes(payload.ToJsonString(Compact));
        return new WebhookMessage(body, WebhookSignature.Compute(secret, body));
    }
}
