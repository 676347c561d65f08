using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Accounts;

namespace Mindstack.MindPeeker.Tests;

/// <summary>Paid tiers come from an operator, never from the sign-up form.</summary>
public sealed class TierTests(MindPeekerFactory factory) : IClassFixture<MindPeekerFactory>
{
    [Theory]
    [InlineData("professional")]
    [InlineData("enterprise")]
    public async Task Register_PaidTier_422NamingTierAndNoAccount(string tier)
    {
        var name = "u" + Guid.NewGuid().ToString("N")[..12];
        var body = await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/auth/register", null,
                new { email = name + "@example.com", username = name, password = "securePassword123", tier, marketing_consent = true }),
            HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
        Assert.Equal("tier", body.GetProperty("error").GetProperty("details").GetProperty("field").GetString());

        // Nothing was created: the email signs in to nothing and can still register on basic.
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/auth/login", null,
            new { email = name + "@example.com", password = "securePassword123" }), HttpStatusCode.Unauthorized, "INVALID_CREDENTIALS");
        var basic = await factory.SendAsync(HttpMethod.Post, "/auth/register", null,
            new { email = name + "@example.com", username = name, password = "securePassword123", tier = "basic" });
        Assert.Equal(HttpStatusCode.Created, basic.StatusCode);
    }

    [Fact]
    public async Task SetTier_OperatorCliRaisesBasicToProfessional_PlanAndIncludedCreditsAtOnce()
    {
        var user = await factory.RegisterUserAsync();
        Assert.Equal(100, await factory.CreditsAsync(user));

        var (code, output) = await RunCliAsync("accounts", "set-tier", "--email", user.Email, "--tier", "professional");
        Assert.True(code == 0, output);

        var billing = await factory.BillingAsync(user);
        Assert.Equal("professional", billing.GetProperty("tier").GetString());
        Assert.Equal(1000, billing.GetProperty("credits").GetProperty("included").GetInt64());
        Assert.Equal(1000, billing.GetProperty("credits").GetProperty("remaining").GetInt64());
        // Asked again, the top-up is not given twice; a lower tier takes nothing back, nor does raising it again add more.
        Assert.Equal(1000, await factory.CreditsAsync(user));
        await SetTierAsync(user, "basic");
        Assert.Equal(1000, await factory.CreditsAsync(user));
        await SetTierAsync(user, "professional");
        Assert.Equal(1000, await factory.CreditsAsync(user));
        await SetTierAsync(user, "enterprise");
        Assert.Equal(10_000, await factory.CreditsAsync(user));
    }

    /// <summary>What <c>accounts set-tier</c> calls, in-process (one CLI run above proves the command itself).</summary>
    private async Task SetTierAsync(PeekerUser user, string tier)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IAccountService>().SetTierAsync(user.Id, tier);
    }

    /// <summary>The server binary's operator command against this factory's database, as an operator runs it.</summary>
    private async Task<(int Code, string Output)> RunCliAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Mindstack.Server.dll"));
        foreach (var arg in args.Concat(["--data", factory.Database.DataDirectory]))
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["Mindstack__Database"] = factory.Database.PostgresConnectionString ?? "";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await output + await error);
    }
}
