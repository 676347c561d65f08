using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Auth;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Notifications;

/// <summary>
/// <c>Mindstack:MindSwarm:Push:*</c>: the VAPID <c>Subject</c> push services may contact (a
/// <c>mailto:</c> or <c>https:</c> URL), and <c>AllowHttpEndpoints</c> (default false: a
/// subscription's endpoint must be https, as every browser's push service is; tests turn it on to
/// push to a loopback endpoint).
/// </summary>
internal sealed class PushOptions
{
    public const string Section = "Mindstack:MindSwarm:Push";

    public string Subject { get; set; } = "mailto:admin@localhost";

    public bool AllowHttpEndpoints { get; set; }
}

internal sealed class PushOptionsValidator : IValidateOptions<PushOptions>
{
    public ValidateOptionsResult Validate(string? name, PushOptions options) =>
        options.Subject.StartsWith("mailto:", StringComparison.Ordinal) || options.Subject.StartsWith("https://", StringComparison.Ordinal)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{PushOptions.Section}:Subject must be a mailto: or https: URL");
}

internal sealed record VapidKeyView(string PublicKey, string VapidPublicKey);

internal sealed record PushKeysRequest(string? P256dh, string? Auth);

/// <summary>A browser's <c>PushSubscription.toJSON()</c>, sent as is or inside <c>{subscription: …}</c>.</summary>
internal sealed record PushSubscriptionRequest(string? Endpoint, PushKeysRequest? Keys, PushSubscriptionRequest? Subscription);

internal sealed record PushUnsubscribeRequest(string? Endpoint);

internal sealed record PushSubscribedResult(bool Subscribed, string Endpoint);

/// <summary>
/// The installation's VAPID key pair (P-256), made once and kept as an installation secret, so
/// every node signs with the same key and browsers' subscriptions stay valid across restarts.
/// </summary>
internal sealed class VapidKeys(InstallationSecrets secrets)
{
    private const string SecretName = "mindswarm-vapid-keys";

    /// <summary>(public key: the uncompressed point, private key: the scalar), both base64url.</summary>
    public async Task<(string PublicKey, string PrivateKey)> GetAsync(CancellationToken ct)
    {
        var stored = await secrets.GetAsync(SecretName, Generate, ct);
        var parts = stored.Split('.');
        return (parts[0], parts[1]);
    }

    private static string Generate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = key.ExportParameters(includePrivateParameters: true);
        var point = new byte[65];
        point[0] = 0x04;
        parameters.Q.X!.CopyTo(point, 1);
        parameters.Q.Y!.CopyTo(point, 33);
        return Base64Url.EncodeToString(point) + "." + Base64Url.EncodeToString(parameters.D!);
    }
}

/// <summary>Web Push subscriptions: the VAPID key, subscribe, unsubscribe.</summary>
internal static class WebPushEndpoints
{
    /// <summary>On <c>/notifications/push</c>: the key is public (a page asks before signing in), the rest needs a caller.</summary>
    public static void Map(RouteGroupBuilder push)
    {
        push.MapGet("/vapid-key", VapidKey).WithSummary("The VAPID public key to subscribe with (applicationServerKey)")
            .ProducesEnvelope<VapidKeyView>();
        push.MapPost("/subscribe", Subscribe).RequireCaller().WithSummary("Store a browser's push subscription {endpoint, keys: {p256dh, auth}}")
            .ProducesEnvelope<PushSubscribedResult>(StatusCodes.Status201Created);
        push.MapPost("/unsubscribe", Unsubscribe).RequireCaller().WithSummary("Remove a push subscription by its endpoint").ProducesEnvelope<DeletedResult>();
    }

    private static async Task<IResult> VapidKey(VapidKeys keys, MindSwarmDialect dialect, CancellationToken ct)
    {
        var (publicKey, _) = await keys.GetAsync(ct);
        return dialect.Ok(new VapidKeyView(publicKey, publicKey));
    }

    private static async Task<IResult> Subscribe(Body<PushSubscriptionRequest> body, Caller caller, MindstackDbContext db, IIdGenerator ids,
        TimeProvider clock, IOptions<PushOptions> options, MindSwarmDialect dialect, CancellationToken ct)
    {
        var request = body.Value.Subscription ?? body.Value;
        var endpoint = request.Endpoint?.Trim();
        if (endpoint is not { Length: > 0 and <= 1000 } || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            || !(uri.Scheme == Uri.UriSchemeHttps || (options.Value.AllowHttpEndpoints && uri.Scheme == Uri.UriSchemeHttp)))
        {
            throw Problem.Invalid("endpoint", "endpoint must be the push service's https URL");
        }
        var p256dh = request.Keys?.P256dh?.Trim();
        var auth = request.Keys?.Auth?.Trim();
        if (!IsKey(p256dh, 65))
        {
            throw Problem.Invalid("keys.p256dh", "keys.p256dh must be the subscription's P-256 public key (base64url)");
        }
        if (!IsKey(auth, 16))
        {
            throw Problem.Invalid("keys.auth", "keys.auth must be the subscription's 16-byte auth secret (base64url)");
        }
        // One subscription per endpoint: a browser that subscribes again (or for another account) replaces it.
        await db.Set<PushSubscriptionRow>().Where(s => s.Endpoint == endpoint).ExecuteDeleteAsync(ct);
        await db.InsertIfAbsentAsync(new PushSubscriptionRow
        {
            Id = ids.New("push"),
            AccountId = caller.AccountId,
            Endpoint = endpoint,
            P256dh = p256dh!,
            Auth = auth!,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        }, s => s.Endpoint == endpoint, ct);
        return dialect.Ok(new PushSubscribedResult(true, endpoint), StatusCodes.Status201Created);
    }

    private static async Task<IResult> Unsubscribe(Body<PushUnsubscribeRequest> body, Caller caller, MindstackDbContext db, MindSwarmDialect dialect,
        CancellationToken ct)
    {
        var endpoint = body.Value.Endpoint?.Trim();
        if (string.IsNullOrEmpty(endpoint))
        {
            throw Problem.Invalid("endpoint", "endpoint is required");
        }
        var deleted = await db.Set<PushSubscriptionRow>().Where(s => s.AccountId == caller.AccountId && s.Endpoint == endpoint).ExecuteDeleteAsync(ct);
        return dialect.Ok(new DeletedResult(deleted));
    }

    private static bool IsKey(string? text, int length)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 200)
        {
            return false;
        }
        try
        {
            return Base64Url.DecodeFromChars(text.TrimEnd('=').Replace('+', '-').Replace('/', '_')).Length == length;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

internal sealed record WebPushPayload(string NotificationId);

/// <summary>What a push carries (the service worker shows it): a title, the text, and what to open.</summary>
internal sealed record WebPushMessage(string Title, string Body, string Type, string NotificationId, string? PostId, string? TargetId);

/// <summary>
/// Pushes one notification to each of the recipient's subscriptions, signed with the
/// installation's VAPID key and encrypted (<c>aes128gcm</c>) for each subscription. A subscription
/// the push service says is gone (404 or 410) is deleted; other failures fail the job, which retries.
/// </summary>
internal sealed class WebPushJob(
    MindstackDbContext db,
    VapidKeys keys,
    IHttpClientFactory http,
    IOptions<PushOptions> options,
    ILogger<WebPushJob> logger) : IJobHandler
{
    public const string Name = "mindswarm.web-push";
    /// <summary>
    /// A subscription's endpoint is a URL the user gave: pushes go through the platform's
    /// SSRF-guarded client, so an endpoint cannot make the server reach loopback or private addresses.
    /// </summary>
    public const string HttpClientName = Mindstack.Platform.Webhooks.GuardedHttp.ClientName;

    public async Task ExecuteAsync(JobContext job, CancellationToken cancellationToken)
    {
        var payload = job.ReadPayload<WebPushPayload>();
        var notification = await db.Set<NotificationRow>().AsNoTracking().FirstOrDefaultAsync(n => n.Id == payload.NotificationId, cancellationToken);
        if (notification is null)
        {
            return;
        }
        var subscriptions = await db.Set<PushSubscriptionRow>().AsNoTracking().Where(s => s.AccountId == notification.AccountId)
            .ToListAsync(cancellationToken);
        if (subscriptions.Count == 0)
        {
            return;
        }
        var (publicKey, privateKey) = await keys.GetAsync(cancellationToken);
        using var vapid = new VapidAuthentication(publicKey, privateKey) { Subject = options.Value.Subject };
        var client = new PushServiceClient(http.CreateClient(HttpClientName)) { DefaultAuthentication = vapid };
        var content = JsonSerializer.Serialize(new WebPushMessage("MindSwarm", notification.Message ?? notification.Type, notification.Type,
            notification.Id, notification.PostId, notification.TargetId), JsonSerializerOptions.Web);
        Exception? failure = null;
        foreach (var subscription in subscriptions)
        {
            var target = new PushSubscription { Endpoint = subscription.Endpoint };
            target.SetKey(PushEncryptionKeyName.P256DH, subscription.P256dh);
            target.SetKey(PushEncryptionKeyName.Auth, subscription.Auth);
            try
            {
                await client.RequestPushMessageDeliveryAsync(target, new PushMessage(content) { TimeToLive = 86_400 },
                    vapid, VapidAuthenticationScheme.Vapid, cancellationToken);
            }
            catch (PushServiceClientException gone) when (gone.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                await db.Set<PushSubscriptionRow>().Where(s => s.Id == subscription.Id).ExecuteDeleteAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is PushServiceClientException or HttpRequestException or TaskCanceledException
                && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Web Push to subscription {SubscriptionId} failed", subscription.Id);
                failure ??= exception;
            }
        }
        if (failure is not null)
        {
            // The retry pushes to every subscription again: a duplicate is better than a lost notification.
            throw new InvalidOperationException("A Web Push delivery failed; retrying", failure);
        }
    }
}
