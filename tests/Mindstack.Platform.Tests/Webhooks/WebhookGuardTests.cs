using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Platform.Tests.Webhooks;

/// <summary>
/// The SSRF guard on (no private targets), with one loopback receiver the operator allows by
/// <c>host:port</c> and a second loopback receiver that is not allowed and must never be reached.
/// </summary>
public sealed class GuardedWebhookFactory : WebhookFactory
{
    public GuardedWebhookFactory()
        : base(allowPrivateTargets: false)
    {
        Allowed = LoopbackReceiver.StartAsync().GetAwaiter().GetResult();
        Forbidden = LoopbackReceiver.StartAsync().GetAwaiter().GetResult();
        WithSetting("Mindstack:Webhooks:AllowedTargets", $"127.0.0.1:{Allowed.Port}");
    }

    public LoopbackReceiver Allowed { get; }

    public LoopbackReceiver Forbidden { get; }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Allowed.DisposeAsync();
        await Forbidden.DisposeAsync();
    }
}

/// <summary>
/// Refusals happen before any connection: a refused address is never sent a packet, so these tests
/// name private and metadata addresses without sending them anything.
/// </summary>
public sealed class WebhookGuardTests : IClassFixture<GuardedWebhookFactory>
{
    private readonly GuardedWebhookFactory _factory;
    private readonly string _account = "acct_" + Guid.NewGuid().ToString("N")[..12];

    public WebhookGuardTests(GuardedWebhookFactory factory)
    {
        _factory = factory;
        // The receivers are shared by the class's tests; each test says how they answer.
        _factory.Allowed.Respond = null;
        _factory.Forbidden.Respond = null;
    }

    [Theory]
    [InlineData("http://10.0.0.5/hook", "private")]
    [InlineData("http://172.16.4.2/hook", "private")]
    [InlineData("http://192.168.1.1/hook", "private")]
    [InlineData("http://127.0.0.1:9/hook", "loopback")]
    [InlineData("http://localhost:5000/hook", "loopback")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("http://0.0.0.0/hook", "unspecified")]
    [InlineData("http://224.0.0.1/hook", "multicast")]
    [InlineData("http://[::1]/hook", "loopback")]
    [InlineData("http://[fe80::1]/hook", "link-local")]
    [InlineData("http://[fc00::7]/hook", "private")]
    [InlineData("http://[::ffff:10.1.2.3]/hook", "private")]
    public async Task Create_UrlAtANonPublicAddress_IsRefused(string url, string kind)
    {
        var problem = await Assert.ThrowsAsync<Problem>(() => _factory.SubscribeAsync(new(_account, WebhookFactory.Api, url, ["*"])));
        Assert.Equal(ProblemKind.Validation, problem.Kind);
        Assert.Equal("url", Assert.Single(problem.Errors!).Field);
        Assert.Contains(kind, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8.8.8.8", null)]
    [InlineData("1.1.1.1", null)]
    [InlineData("2606:4700:4700::1111", null)]
    [InlineData("10.255.255.255", "private")]
    [InlineData("172.31.0.1", "private")]
    [InlineData("172.32.0.1", null)]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("127.8.8.8", "loopback")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("::", "unspecified")]
    [InlineData("fd12:3456::1", "private")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("64:ff9b::a00:1", "private")]
    [InlineData("2002:c0a8:101::1", "private")]
    public void Classify_Address_NamesWhatIsNotPublic(string address, string? expected) =>
        Assert.Equal(expected, WebhookTargetGuard.Classify(IPAddress.Parse(address)));

    [Fact]
    public async Task Delivery_AllowedLoopbackReceiver_IsDelivered()
    {
        var subscription = await _factory.SubscribeAsync(new(_account, WebhookFactory.Api, _factory.Allowed.Url("/allowed"), ["*"]));
        await _factory.PublishAsync(new NewEvent("session.completed", "session", "s1") { AccountId = _account, Api = WebhookFactory.Api });
        await _factory.DeliveryAsync(subscription, d => d.Status == "succeeded", "the allowed delivery");
        Assert.Single(_factory.Allowed.On("/allowed"));
    }

    [Fact]
    public async Task Delivery_TargetResolvingToAForbiddenAddress_RefusedAtConnectAndDeadAtOnce()
    {
        // A subscription whose target became private after it was made (DNS changes): only the
        // connect-time check stands between it and the request.
        var subscription = await _factory.SubscribeAsync(new(_account, WebhookFactory.Api, _factory.Allowed.Url("/placeholder"), ["*"]));
        await _factory.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<MindstackDbContext>();
            var row = await db.Set<WebhookSubscriptionRow>().FindAsync(subscription.Id);
            row!.Url = _factory.Forbidden.Url("/stolen");
            await db.SaveChangesAsync();
        });
        await _factory.PublishAsync(new NewEvent("session.completed", "session", "s2") { AccountId = _account, Api = WebhookFactory.Api });

        var failed = await _factory.DeliveryAsync(subscription, d => d.Status == "failed", "the refused delivery");
        var attempt = Assert.Single(failed.Log);
        Assert.Null(attempt.StatusCode);
        Assert.Contains("127.0.0.1 (loopback)", attempt.Error, StringComparison.Ordinal);
        Assert.Empty(_factory.Forbidden.Requests);
        var job = await _factory.InScopeAsync(sp => sp.GetRequiredService<JobAdmin>().DeadAsync());
        Assert.Contains(job, j => j.Type == WebhookDeliveryJob.Name && j.Attempts == 1 && j.LastError!.Contains("refused", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/to-forbidden-loopback")]
    [InlineData("/to-metadata")]
    [InlineData("/to-private")]
    public async Task Delivery_AllowedReceiverRedirectsToAPrivateAddress_RefusedAndNeverSent(string path)
    {
        _factory.Allowed.Respond = (context, request) =>
        {
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = request.Path switch
            {
                "/to-forbidden-loopback" => _factory.Forbidden.Url("/stolen"),
                "/to-metadata" => "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
                _ => "http://10.20.30.40/internal",
            };
            return Task.CompletedTask;
        };
        var subscription = await _factory.SubscribeAsync(new(_account, WebhookFactory.Api, _factory.Allowed.Url(path), ["*"]));
        await _factory.PublishAsync(new NewEvent("session.completed", "session", "s3") { AccountId = _account, Api = WebhookFactory.Api });

        var failed = await _factory.DeliveryAsync(subscription, d => d.Status == "failed", "the refused redirect");
        var attempt = Assert.Single(failed.Log);
        Assert.Contains("refused", attempt.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_factory.Allowed.Url(path), attempt.Url, StringComparison.Ordinal);
        Assert.Single(_factory.Allowed.On(path));
        Assert.Empty(_factory.Forbidden.Requests);
    }

    [Fact]
    public async Task Delivery_RedirectLoop_StopsAfterFiveRedirects()
    {
        _factory.Allowed.Respond = (context, request) =>
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = request.Path == "/loop" ? "/loop" : "/";
            return Task.CompletedTask;
        };
        var subscription = await _factory.SubscribeAsync(new(_account, WebhookFactory.Api, _factory.Allowed.Url("/loop"), ["*"]));
        await _factory.PublishAsync(new NewEvent("session.completed", "session", "s4") { AccountId = _account, Api = WebhookFactory.Api });
        var retrying = await _factory.DeliveryAsync(subscription, d => d.Status == "retrying", "the redirect loop to fail");
        Assert.Equal("more than 5 redirects", Assert.Single(retrying.Log).Error);
        Assert.Equal(6, _factory.Allowed.On("/loop").Count);
    }
}
