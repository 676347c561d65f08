using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Mindstack.Platform.Audit;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Jobs;

namespace Mindstack.Console.Tests;

/// <summary>
/// The operator console in a real browser: an admin signs in (with the keyboard), finds an account,
/// revokes its key, adjusts its credits, retries a dead job, redelivers a failed webhook; a
/// non-admin is refused. Every page is saved as a screenshot.
/// </summary>
public sealed class ConsoleBrowserTests(ConsoleFactory factory, BrowserFixture browser)
    : IClassFixture<ConsoleFactory>, IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Patience = BrowserFixture.Patience;

    private async Task<IPage> SignInAsync(string email)
    {
        await factory.WarmUpAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(factory.Url("/console"));
        // Signed out, /console leads to the sign-in form, whose email field has the focus: keyboard only from here.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in$"));
        await Assertions.Expect(page.GetByLabel("Email")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(email);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(ConsoleFactory.Password);
        // The form's answer (a redirect, or the page again) sets the cookie before the test moves on.
        var answered = page.WaitForResponseAsync(r => r.Request.Method == "POST" && r.Url.EndsWith("/console/sign-in", StringComparison.Ordinal));
        await page.Keyboard.PressAsync("Enter");
        var answer = await answered;
        // The page the answer leads to (the overview, or the form again, or the 403 page) has loaded, not the form it left.
        if (answer.Status is 302 or 303)
        {
            await page.WaitForURLAsync(new Regex("/console$"));
        }
        await page.WaitForLoadStateAsync(LoadState.Load);
        return page;
    }

    [BrowserFact]
    public async Task SignIn_Admin_OverviewShowsRequestsQueueAndComponents()
    {
        var admin = await factory.CreateAccountAsync("admin");
        await factory.WarmUpAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(factory.Url("/console/sign-in"));
        await BrowserFixture.ScreenshotAsync(page, "sign-in");
        await page.CloseAsync();

        page = await SignInAsync(admin.Email);

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText(admin.Email)).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Requests per API, last hour" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Dead jobs")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Outbox lag")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = "database" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = "ai_engine" })).ToBeVisibleAsync();
        Assert.Equal(ConsoleFactory.OverviewRefreshSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            await page.Locator("meta[http-equiv=refresh]").GetAttributeAsync("content"));
        await BrowserFixture.ScreenshotAsync(page, "overview");

        await using var scope = factory.Services.CreateAsyncScope();
        var audit = await scope.ServiceProvider.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery { AccountId = admin.Id, Action = "console.sign_in" });
        Assert.Contains(audit.Items, e => e.Success);
    }

    [BrowserFact]
    public async Task RevokeKey_FoundBySearch_KeyRefusedByTheApi()
    {
        var admin = await factory.CreateAccountAsync("admin");
        var customer = await factory.CreateAccountAsync("user");
        var key = await factory.CreateMindraKeyAsync(customer.Id);
        Assert.Equal(HttpStatusCode.OK, await factory.MindraWalletStatusAsync(key.PlainKey));
        var page = await SignInAsync(admin.Email);

        await page.GetByRole(AriaRole.Link, new() { Name = "Accounts" }).ClickAsync();
        await page.GetByLabel("Email, username or id").FillAsync(customer.Email[..12]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await BrowserFixture.ScreenshotAsync(page, "accounts");
        await page.GetByRole(AriaRole.Link, new() { Name = customer.Email }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = customer.Email })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText(key.Key.Prefix + "…")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke key " + key.Key.Prefix }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Key {key.Key.Id} revoked.");
        // Still listed, as revoked, with no revoke button left.
        var row = page.Locator("table.keys tr.revoked", new() { HasText = key.Key.Prefix + "…" });
        await Assertions.Expect(row).ToContainTextAsync("revoked");
        await Assertions.Expect(row.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "account");
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MindraWalletStatusAsync(key.PlainKey));
    }

    [BrowserFact]
    public async Task AdjustCredits_WithReason_LedgerEntryShownAndAudited()
    {
        var admin = await factory.CreateAccountAsync("admin");
        var customer = await factory.CreateAccountAsync("user");
        var page = await SignInAsync(admin.Email);
        await page.GotoAsync(factory.Url("/console/accounts/" + customer.Id));

        await page.GetByLabel("Currency").FillAsync("credits");
        await page.GetByLabel("Amount").FillAsync("250");
        await page.GetByLabel("Reason").FillAsync("goodwill after the outage");
        await page.GetByRole(AriaRole.Button, new() { Name = "Adjust credits" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Added 250 credits; balance 250.");
        await Assertions.Expect(page.Locator("table.ledger")).ToContainTextAsync("Operator adjustment: goodwill after the outage");
        await BrowserFixture.ScreenshotAsync(page, "account-credits");
        await using var scope = factory.Services.CreateAsyncScope();
        var balance = await scope.ServiceProvider.GetRequiredService<ICreditLedger>().GetBalanceAsync(customer.Id, "credits");
        Assert.Equal(250, balance.Available);
        var audit = await scope.ServiceProvider.GetRequiredService<IAuditLog>()
            .QueryAsync(new AuditQuery { AccountId = admin.Id, Action = "console.credits_adjusted" });
        Assert.Equal(customer.Id, Assert.Single(audit.Items).ResourceId);
    }

    [BrowserFact]
    public async Task RetryJob_DeadJob_RunsAgainAndIsDone()
    {
        var admin = await factory.CreateAccountAsync("admin");
        var jobId = await factory.CreateDeadJobAsync();
        var page = await SignInAsync(admin.Email);

        await page.GetByRole(AriaRole.Link, new() { Name = "Jobs" }).ClickAsync();
        await page.GetByLabel("State").SelectOptionAsync("dead");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await BrowserFixture.ScreenshotAsync(page, "jobs");
        await page.GetByRole(AriaRole.Link, new() { Name = jobId }).ClickAsync();
        await Assertions.Expect(page.Locator("pre").First).ToContainTextAsync("the upstream did not answer");
        await BrowserFixture.ScreenshotAsync(page, "job");
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry now" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Job queued to run again.");
        await Eventually.UntilAsync(() => factory.FindJobAsync(jobId), job => job?.State == JobState.Done, "the retried job done", Patience);
    }

    [BrowserFact]
    public async Task Redeliver_FailedDelivery_LoopbackReceiverGetsTheEvent()
    {
        await using var receiver = new LoopbackReceiver();
        var admin = await factory.CreateAccountAsync("admin");
        var customer = await factory.CreateAccountAsync("user");
        var (deliveryId, eventId) = await factory.CreateFailedDeliveryAsync(customer.Id, receiver.Url());
        var page = await SignInAsync(admin.Email);

        await page.GetByRole(AriaRole.Link, new() { Name = "Webhooks" }).ClickAsync();
        await page.GetByLabel("Status").SelectOptionAsync("failed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await BrowserFixture.ScreenshotAsync(page, "webhooks");
        await page.GetByRole(AriaRole.Link, new() { Name = deliveryId }).ClickAsync();
        await Assertions.Expect(page.GetByText("receiver down")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "delivery");
        await page.GetByRole(AriaRole.Button, new() { Name = "Redeliver" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Redelivery of {deliveryId} queued.");
        // The same event, in a new delivery.
        var received = await receiver.WaitForAsync(r => r.Header("X-Mindstack-Event-Id") == eventId, Patience);
        Assert.NotEqual(deliveryId, received.Header("X-Mindstack-Delivery"));
    }

    [BrowserFact]
    public async Task Audit_FilteredByAction_ShowsTheOperatorsActions()
    {
        var admin = await factory.CreateAccountAsync("admin");
        var page = await SignInAsync(admin.Email);

        await page.GetByRole(AriaRole.Link, new() { Name = "Audit" }).ClickAsync();
        await page.GetByLabel("Account id").FillAsync(admin.Id);
        await page.GetByLabel("Action").FillAsync("console.*");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "console.sign_in" })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "audit");
    }

    [BrowserFact]
    public async Task SignIn_NonAdmin_Refused()
    {
        var user = await factory.CreateAccountAsync("user");
        var page = await SignInAsync(user.Email);

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "403 — not for this account" })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "forbidden");
        // No session was kept: the console still asks for a sign-in.
        await page.GotoAsync(factory.Url("/console/accounts"));
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in$"));
    }
}
