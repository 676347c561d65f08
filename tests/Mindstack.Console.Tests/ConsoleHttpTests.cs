using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Accounts;

namespace Mindstack.Console.Tests;

/// <summary>The console over plain HTTP: forms need their antiforgery token, pages need an admin, and the switch turns it off.</summary>
public sealed class ConsoleHttpTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    [Fact]
    public async Task Post_WithoutFormToken_RefusedAndNothingChanged()
    {
        var admin = await factory.CreateAccountAsync("admin");
        var customer = await factory.CreateAccountAsync("user");
        using var client = await factory.SignedInClientAsync(admin.Email);

        using var response = await client.PostAsync($"/console/accounts/{customer.Id}/status",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["status"] = "suspended" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("the form could not be checked", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(AccountStatus.Active, (await FindAsync(customer.Id)).Status);

        // The same form with the page's token goes through.
        var token = await ConsoleFactory.FormTokenAsync(client, $"/console/accounts/{customer.Id}");
        using var accepted = await client.PostAsync($"/console/accounts/{customer.Id}/status",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__console_token"] = token, ["status"] = "suspended" }));
        Assert.Equal(HttpStatusCode.SeeOther, accepted.StatusCode);
        Assert.Equal(AccountStatus.Suspended, (await FindAsync(customer.Id)).Status);
    }

    [Fact]
    public async Task SignIn_WithoutFormToken_Refused()
    {
        var admin = await factory.CreateAccountAsync("admin");
        using var client = factory.NoRedirectClient();

        using var response = await client.PostAsync("/console/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = admin.Email,
            ["password"] = ConsoleFactory.Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("mindstack_console=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Get_SignedOut_RedirectedToSignIn()
    {
        using var client = factory.NoRedirectClient();

        using var response = await client.GetAsync("/console/jobs");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/console/sign-in", response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task SignIn_NonAdmin_Forbidden()
    {
        var user = await factory.CreateAccountAsync("moderator");
        using var client = factory.NoRedirectClient();
        var token = await ConsoleFactory.FormTokenAsync(client, "/console/sign-in");

        using var response = await client.PostAsync("/console/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__console_token"] = token,
            ["email"] = user.Email,
            ["password"] = ConsoleFactory.Password,
        }));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await using var scope = factory.Services.CreateAsyncScope();
        var sessions = await scope.ServiceProvider.GetRequiredService<ISessionService>().ListSessionsAsync(user.Id, "console");
        Assert.All(sessions, s => Assert.NotNull(s.RevokedAt));
    }

    [Fact]
    public async Task SignIn_WrongPasswordRepeatedly_RateLimited()
    {
        var admin = await factory.CreateAccountAsync("admin");
        using var client = factory.NoRedirectClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            var token = await ConsoleFactory.FormTokenAsync(client, "/console/sign-in");
            using var response = await client.PostAsync("/console/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__console_token"] = token,
                ["email"] = admin.Email,
                ["password"] = "wrong-password",
            }));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), statuses.Take(5));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[5]);
    }

    private async Task<Account> FindAsync(string id)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<IAccountService>().FindAsync(id))!;
    }
}

/// <summary><c>Mindstack:Console:Enabled=false</c>: no console route answers.</summary>
public sealed class DisabledConsoleTests(DisabledConsoleFactory factory) : IClassFixture<DisabledConsoleFactory>
{
    [Theory]
    [InlineData("/console")]
    [InlineData("/console/sign-in")]
    [InlineData("/console/console.css")]
    public async Task Get_ConsoleDisabled_NotFound(string path)
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("<html", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
