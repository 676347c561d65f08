using System.Diagnostics;
using System.Text;

namespace Mindstack.MindPeeker.Tests;

/// <summary>
/// Sessions run at once, webhooks may target loopback, and traces go by OTLP (HTTP/protobuf) to a
/// loopback stand-in for a collector, which records every export.
/// </summary>
public sealed class TracedMindPeekerFactory : MindPeekerFactory
{
    public TracedMindPeekerFactory()
    {
        Collector = new LoopbackReceiver(_ => Task.FromResult((200, "")));
        WithSetting("Mindstack:MindPeeker:StartDelayMilliseconds", "0");
        WithSetting("Mindstack:Webhooks:AllowPrivateTargets", "true");
        WithSetting("Mindstack:Telemetry:OtlpEndpoint", Collector.Url(""));
        // The SDK's own setting: export spans every 100 ms rather than every 5 s.
        WithSetting("OTEL_BSP_SCHEDULE_DELAY", "100");
    }

    public LoopbackReceiver Collector { get; }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Collector.DisposeAsync();
    }
}

/// <summary>A request's trace goes on through the job it enqueues, the event it publishes and the webhook it causes.</summary>
public sealed class TelemetryTests(TracedMindPeekerFactory factory) : IClassFixture<TracedMindPeekerFactory>
{
    [Fact]
    public async Task Webhook_SessionCreatedUnderTraceparent_DeliveryCarriesThatTraceId()
    {
        await using var receiver = new LoopbackReceiver();
        var (traceId, _) = await CreateTracedSessionAsync(receiver);

        var delivery = await receiver.WaitForAsync(r => r.Text.Contains("\"session.completed\"", StringComparison.Ordinal));

        var traceparent = delivery.Header("traceparent");
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", traceparent);
        Assert.Equal(traceId.ToHexString(), traceparent.Split('-')[1]);
    }

    [Fact]
    public async Task Otlp_EndpointConfigured_ExportsSpansOfRequestJobAndDelivery()
    {
        await using var receiver = new LoopbackReceiver();
        var (traceId, requestId) = await CreateTracedSessionAsync(receiver);
        await receiver.WaitForAsync(r => r.Text.Contains("\"session.completed\"", StringComparison.Ordinal));
        var traceBytes = new byte[16];
        traceId.CopyTo(traceBytes);

        // The request's span, tagged with its request id; the job that ran the session; the delivery.
        await SpanExportedAsync(traceBytes, requestId);
        await SpanExportedAsync(traceBytes, "mindpeeker.session.run");
        await SpanExportedAsync(traceBytes, "webhooks.deliver");
    }

    /// <summary>Subscribes a webhook, then creates a session with a <c>traceparent</c> of the test's own trace.</summary>
    private async Task<(ActivityTraceId TraceId, string RequestId)> CreateTracedSessionAsync(LoopbackReceiver receiver)
    {
        var user = await factory.RegisterUserAsync();
        using var subscribed = await factory.SendAsync(HttpMethod.Post, "/webhooks", user.Token, new
        {
            url = receiver.Url("/webhooks/mindpeeker"),
            events = new[] { "session.completed" },
            active = true,
        });
        Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);

        var traceId = ActivityTraceId.CreateRandom();
        var requestId = "req-" + Guid.NewGuid().ToString("N");
        using var created = await factory.SendAsync(HttpMethod.Post, "/sessions", user.Token, new
        {
            cue = "Describe the location of the missing aircraft in the Pacific Ocean",
            session_type = "remote_viewing",
        }, headers =>
        {
            headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            headers.Add("X-Request-ID", requestId);
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (traceId, requestId);
    }

    /// <summary>Waits until one OTLP trace export holds the trace id's 16 bytes and <paramref name="text"/> (a span name or tag).</summary>
    private Task SpanExportedAsync(byte[] traceBytes, string text)
    {
        var textBytes = Encoding.UTF8.GetBytes(text);
        return factory.Collector.WaitForAsync(r => r.Path == "/v1/traces"
            && r.Body.AsSpan().IndexOf(traceBytes) >= 0
            && r.Body.AsSpan().IndexOf(textBytes) >= 0);
    }
}
