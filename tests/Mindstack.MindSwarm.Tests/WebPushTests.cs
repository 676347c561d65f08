using System.Buffers.Binary;
using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Mindstack.MindSwarm.Tests;

/// <summary>Web Push to a push service the test serves on loopback: VAPID-signed, aes128gcm-encrypted, expired subscriptions dropped.</summary>
public sealed class WebPushTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    [Fact]
    public async Task WebPush_NotificationToSubscriber_SignedEncryptedAndExpiredDropped()
    {
        await using var pushService = new LoopbackReceiver(_ => Task.FromResult((201, "")));
        var author = await factory.RegisterAsync();
        var fan = await factory.RegisterAsync();

        var vapid = await factory.Anonymous().GetDataAsync("/api/notifications/push/vapid-key");
        var publicKey = vapid.GetProperty("publicKey").GetString()!;
        Assert.Equal(65, Base64Url.DecodeFromChars(publicKey).Length);
        // One key pair per installation: asked again, the same key.
        Assert.Equal(publicKey, (await author.GetDataAsync("/api/notifications/push/vapid-key")).GetProperty("publicKey").GetString());

        // The browser's side: its key pair and auth secret.
        using var browser = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var browserPublic = PublicPoint(browser);
        var authSecret = RandomNumberGenerator.GetBytes(16);
        var endpoint = pushService.Url("/push/" + Guid.NewGuid().ToString("N"));
        await author.PostDataAsync("/api/notifications/push/subscribe", new
        {
            subscription = new { endpoint, keys = new { p256dh = Base64Url.EncodeToString(browserPublic), auth = Base64Url.EncodeToString(authSecret) } },
        }, HttpStatusCode.Created);
        await author.ErrorAsync(HttpMethod.Post, "/api/notifications/push/subscribe", new { endpoint, keys = new { p256dh = "short", auth = "x" } },
            HttpStatusCode.BadRequest, "VALIDATION_ERROR");

        await fan.PostDataAsync($"/api/users/{author.Username}/follow");
        var push = await pushService.WaitForAsync(r => r.Path.StartsWith("/push/", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        // VAPID: "vapid t=<JWT signed ES256>, k=<the installation's public key>".
        var authorization = push.Header("Authorization");
        Assert.StartsWith("vapid ", authorization);
        var parts = authorization["vapid ".Length..].Split(',', StringSplitOptions.TrimEntries)
            .ToDictionary(p => p[..p.IndexOf('=')], p => p[(p.IndexOf('=') + 1)..]);
        Assert.Equal(publicKey, parts["k"]);
        var jwt = parts["t"].Split('.');
        using (var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(jwt[1])))
        {
            // The origin as Lib.Net.Http.WebPush writes it: scheme and host (push services listen on the default port).
            var origin = new Uri(endpoint);
            Assert.Equal($"{origin.Scheme}://{origin.Host}", claims.RootElement.GetProperty("aud").GetString());
            Assert.StartsWith("mailto:", claims.RootElement.GetProperty("sub").GetString());
        }
        using (var signer = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url.DecodeFromChars(publicKey)[1..33], Y = Base64Url.DecodeFromChars(publicKey)[33..] },
        }))
        {
            Assert.True(signer.VerifyData(Encoding.ASCII.GetBytes(jwt[0] + "." + jwt[1]), Base64Url.DecodeFromChars(jwt[2]), HashAlgorithmName.SHA256));
        }

        // The body is aes128gcm (RFC 8188/8291): the browser decrypts it with its private key.
        Assert.Equal("aes128gcm", push.Header("Content-Encoding"));
        var plain = Decrypt(push.Body, browser, browserPublic, authSecret);
        using (var message = JsonDocument.Parse(plain))
        {
            Assert.Equal("follow", message.RootElement.GetProperty("type").GetString());
            Assert.Contains(fan.Username, message.RootElement.GetProperty("body").GetString());
        }

        // The push service says the subscription is gone: it is deleted, and nothing more is pushed to it.
        pushService.Respond = (context, _) =>
        {
            context.Response.StatusCode = 410;
            return Task.CompletedTask;
        };
        var before = pushService.Received.Count;
        var other = await factory.RegisterAsync();
        await other.PostDataAsync($"/api/users/{author.Username}/follow");
        await pushService.WaitForAsync(r => pushService.Received.Count > before, TimeSpan.FromSeconds(60));
        // Unsubscribing it now finds nothing: the 410 removed it.
        await Eventually.UntilAsync(async () =>
                (await author.PostDataAsync("/api/notifications/push/unsubscribe", new { endpoint })).GetProperty("deleted").GetInt32() == 0,
            "the expired subscription deleted");
    }

    [Fact]
    public async Task WebPush_Unsubscribe_RemovesOnlyOwn()
    {
        var owner = await factory.RegisterAsync();
        var stranger = await factory.RegisterAsync();
        using var browser = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var endpoint = "https://push.example.com/" + Guid.NewGuid().ToString("N");
        await owner.PostDataAsync("/api/notifications/push/subscribe", new
        {
            endpoint,
            keys = new { p256dh = Base64Url.EncodeToString(PublicPoint(browser)), auth = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)) },
        }, HttpStatusCode.Created);
        Assert.Equal(0, (await stranger.PostDataAsync("/api/notifications/push/unsubscribe", new { endpoint })).GetProperty("deleted").GetInt32());
        Assert.Equal(1, (await owner.PostDataAsync("/api/notifications/push/unsubscribe", new { endpoint })).GetProperty("deleted").GetInt32());
        await owner.ErrorAsync(HttpMethod.Post, "/api/notifications/push/subscribe", new { endpoint = "ftp://x", keys = new { p256dh = "a", auth = "b" } },
            HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    private static byte[] PublicPoint(ECDiffieHellman key)
    {
        var q = key.ExportParameters(false).Q;
        return [0x04, .. q.X!, .. q.Y!];
    }

    /// <summary>RFC 8291 on the receiving side: one aes128gcm record.</summary>
    private static byte[] Decrypt(byte[] body, ECDiffieHellman browser, byte[] browserPublic, byte[] authSecret)
    {
        var salt = body[..16];
        var recordSize = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(16, 4));
        Assert.True(recordSize >= 18);
        var idLength = body[20];
        var serverPublic = body[21..(21 + idLength)];
        var ciphertext = body[(21 + idLength)..];

        using var server = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = serverPublic[1..33], Y = serverPublic[33..] },
        });
        var shared = browser.DeriveRawSecretAgreement(server.PublicKey);
        var keyInfo = (byte[])[.. Encoding.ASCII.GetBytes("WebPush: info\0"), .. browserPublic, .. serverPublic];
        var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, authSecret, keyInfo);
        var cek = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 16, salt, Encoding.ASCII.GetBytes("Content-Encoding: aes128gcm\0"));
        var nonce = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 12, salt, Encoding.ASCII.GetBytes("Content-Encoding: nonce\0"));
        var plain = new byte[ciphertext.Length - 16];
        using (var aes = new AesGcm(cek, 16))
        {
            aes.Decrypt(nonce, ciphertext[..^16], ciphertext[^16..], plain);
        }
        // The last record ends with the delimiter 0x02, then any zero padding.
        var end = plain.Length - 1;
        while (plain[end] == 0)
        {
            end--;
        }
        Assert.Equal(2, plain[end]);
        return plain[..end];
    }
}
