using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Mindra;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Console.Tests;

/// <summary>
/// The whole server on a real Kestrel port (a browser cannot reach the in-memory test server),
/// with loopback webhook targets allowed and a quick job worker; intent methods seed what an
/// operator finds: accounts, keys, dead jobs, failed deliveries.
/// </summary>
public class ConsoleFactory : MindstackFactory
{
    public const string Password = "Str0ng!Passw0rd";
    public const string TestJobType = "console_test_job";

    /// <summary>
    /// The overview reloads itself this rarely in tests: a reload landing while a test clicks a link
    /// on it would race the click.
    /// </summary>
    public const int OverviewRefreshSeconds = 600;

    public ConsoleFactory()
    {
        UseKestrel(0);
        WithSetting("urls", "http://127.0.0.1:0");
        WithSetting("Mindstack:Webhooks:AllowPrivateTargets", "true");
        // The master key a second node on this database needs too (a test may start one).
        WithSetting("Mindstack:DataProtection:MasterKey", Database.SharedMasterKey);
        WithSetting("Mindstack:Jobs:PollMilliseconds", "200");
        WithSetting("Mindstack:Console:OverviewRefresh", TimeSpan.FromSeconds(OverviewRefreshSeconds).ToString());
        WithServices(s => s.AddJobHandler<SucceedingJob>(TestJobType));
    }

    /// <summary>The server's address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress
    {
        get
        {
            using var client = CreateClient();
            return client.BaseAddress!;
        }
    }

    /// <summary>A client (keeping cookies) that shows redirects instead of following them.</summary>
    public HttpClient NoRedirectClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = BaseAddress };

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    private Task? _warmedUp;

    /// <summary>
    /// Loads the sign-in page and the stylesheet once over plain HTTP (no deadline but the client's),
    /// so that a browser's first navigation does not also wait for the server's first render (page
    /// components, the antiforgery key ring) on a loaded machine.
    /// </summary>
    public Task WarmUpAsync() => _warmedUp ??= WarmUpOnceAsync();

    private async Task WarmUpOnceAsync()
    {
        using var client = NoRedirectClient();
        client.Timeout = TimeSpan.FromMinutes(5);
        (await client.GetAsync("/console/sign-in")).EnsureSuccessStatusCode().Dispose();
        (await client.GetAsync("/console/console.css")).EnsureSuccessStatusCode().Dispose();
    }

    public async Task<Account> CreateAccountAsync(string role, string? email = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<IAccountService>();
        return await accounts.CreateAsync(
            new NewAccount(email ?? $"{role}{Guid.NewGuid():N}@example.com", Password, "u" + Guid.NewGuid().ToString("N")[..12])
            {
                Role = role,
                EmailVerified = true,
            },
            MindraApi.Definition.Accounts!);
    }

    /// <summary>A Mindra key of the account: its id and the full key.</summary>
    public async Task<CreatedApiKey> CreateMindraKeyAsync(string accountId)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IApiKeyService>()
            .CreateAsync(new NewApiKey(accountId, MindraApi.Definition.KeyFormat!, "console test key"));
    }

    /// <summary>GET <c>/mindra/v1/wallet</c> with the key: 200 while it works, 401 once revoked.</summary>
    public async Task<HttpStatusCode> MindraWalletStatusAsync(string key)
    {
        using var client = CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/mindra/v1/wallet");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>A job left dead after its attempts ran out, as the worker leaves one.</summary>
    public async Task<string> CreateDeadJobAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var now = DateTime.UtcNow;
        var id = scope.ServiceProvider.GetRequiredService<IIdGenerator>().New("job");
        db.Add(new QueuedJob
        {
            Id = id,
            Type = TestJobType,
            Payload = "{\"note\":\"seeded dead\"}",
            State = JobState.Dead,
            RunAt = now.AddMinutes(-5),
            Attempts = 3,
            MaxAttempts = 3,
            LastError = "System.TimeoutException: the upstream did not answer",
            LeaseOwner = "node-test",
            CreatedAt = now.AddMinutes(-10),
            StartedAt = now.AddMinutes(-5),
            CompletedAt = now.AddMinutes(-5),
        });
        await db.SaveChangesAsync();
        return id;
    }

    public async Task<JobSummary?> FindJobAsync(string id)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<JobAdmin>().FindAsync(id);
    }

    /// <summary>A subscription to <paramref name="url"/> and a delivery to it that failed (500 on every attempt).</summary>
    public async Task<(string DeliveryId, string EventId)> CreateFailedDeliveryAsync(string accountId, string url)
    {
        await using var scope = Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var subscription = await services.GetRequiredService<IWebhooks>().CreateAsync(
            new NewWebhookSubscription(accountId, MindraApi.Definition.Name, url, ["execution.completed"]));
        var db = services.GetRequiredService<MindstackDbContext>();
        var ids = services.GetRequiredService<IIdGenerator>();
        var now = DateTime.UtcNow;
        var eventId = ids.New("evt");
        var delivery = new WebhookDeliveryRow
        {
            Id = ids.New("whd"),
            SubscriptionId = subscription.Id,
            AccountId = accountId,
            Api = subscription.Api,
            EventId = eventId,
            EventType = "execution.completed",
            AggregateType = "execution",
            AggregateId = "exec_console_test",
            EventData = "{\"executionId\":\"exec_console_test\",\"status\":\"COMPLETED\"}",
            EventOccurredAt = now.AddMinutes(-3),
            Status = "failed",
            Attempts = 1,
            LastStatusCode = 500,
            LastError = "HTTP 500",
            CreatedAt = now.AddMinutes(-3),
            CompletedAt = now.AddMinutes(-2),
        };
        db.Add(delivery);
        db.Add(new WebhookAttemptRow
        {
            Id = ids.New("wha"),
            DeliveryId = delivery.Id,
            Attempt = 1,
            Url = url,
            StatusCode = 500,
            LatencyMs = 42,
            ResponseExcerpt = "{\"error\":\"receiver down\"}",
            AttemptedAt = now.AddMinutes(-2),
        });
        await db.SaveChangesAsync();
        return (delivery.Id, eventId);
    }

    /// <summary>
    /// A client signed in to the console over plain HTTP (its cookies kept), and the form token of
    /// the page it last read.
    /// </summary>
    public async Task<HttpClient> SignedInClientAsync(string email)
    {
        var client = NoRedirectClient();
        var token = await FormTokenAsync(client, "/console/sign-in");
        using var response = await client.PostAsync("/console/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__console_token"] = token,
            ["email"] = email,
            ["password"] = Password,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return client;
    }

    public static async Task<string> FormTokenAsync(HttpClient client, string path)
    {
        var html = await client.GetStringAsync(path);
        return Regex.Match(html, "name=\"__console_token\" value=\"([^\"]+)\"").Groups[1].Value;
    }

    /// <summary>Succeeds at once: a dead job of this kind, retried, ends done.</summary>
    private sealed class SucceedingJob : IJobHandler
    {
        public Task ExecuteAsync(JobContext job, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>The console switched off: no route under <c>/console</c>.</summary>
public sealed class DisabledConsoleFactory : MindstackFactory
{
    public DisabledConsoleFactory() => WithSetting("Mindstack:Console:Enabled", "false");
}
