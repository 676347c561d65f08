using System.Security.Cryptography;
using System.Text;

namespace Mindstack.MindPeeker.Tests;

public sealed class FailureTests(FailingAiMindPeekerFactory factory) : IClassFixture<FailingAiMindPeekerFactory>
{
    [Fact]
    public async Task Session_AiModelFailsEveryAttempt_FailedHoldReleasedAndSignedWebhook()
    {
        var user = await factory.RegisterUserAsync();
        var hook = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Post, "/webhooks", user.Token,
            new { url = factory.Receiver.Url("/hook"), events = new[] { "session.failed" } }))).GetProperty("data");
        var id = (await factory.CreateSessionAsync(user, "precognition")).GetProperty("id").GetString()!;

        var detail = await factory.WaitForFinishAsync(user, id);
        Assert.Equal("failed", detail.GetProperty("status").GetString());
        Assert.Equal(0, detail.GetProperty("credits_used").GetInt64());
        Assert.False(string.IsNullOrEmpty(detail.GetProperty("failure_reason").GetString()));
        Assert.Equal(100, await factory.CreditsAsync(user));
        var credits = (await factory.BillingAsync(user)).GetProperty("credits");
        Assert.Equal(12, credits.GetProperty("charged").GetInt64());
        Assert.Equal(12, credits.GetProperty("refunded").GetInt64());
        Assert.Equal(0, credits.GetProperty("used").GetInt64() + credits.GetProperty("held").GetInt64());
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Get, $"/sessions/{id}/analysis", user.Token),
            HttpStatusCode.NotFound, "ANALYSIS_NOT_READY");

        var delivery = await factory.Receiver.WaitForAsync(r => r.Path == "/hook");
        var secret = hook.GetProperty("secret").GetString()!;
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), delivery.Body)),
            delivery.Headers["X-MindPeeker-Signature"]);
        var payload = JsonDocument.Parse(delivery.Body).RootElement;
        Assert.Equal("session.failed", payload.GetProperty("event").GetString());
        Assert.Equal(id, payload.GetProperty("data").GetProperty("session_id").GetString());
        Assert.Equal("AI_MODEL_ERROR", payload.GetProperty("data").GetProperty("error").GetProperty("code").GetString());
    }
}
