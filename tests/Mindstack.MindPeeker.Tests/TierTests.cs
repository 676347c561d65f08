using System.Diagnostics;

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
        // Asked again, the top-up is not given twice; a lower tier takes nothing back.
        Assert.Equal(1000, await factory.CreditsAsync(user));
        Assert.Equal(0, (await RunCliAsync("accounts", "set-tier", "--email", user.Email, "--tier", "basic")).Code);
        Assert.Equal(1000, await factory.CreditsAsync(user));
        Assert.Equal(0, (await RunCliAsync("accounts", "set-tier", "--email", user.Email, "--tier", "professional")).Code);
        Assert.Equal(1000, await factory.CreditsAsync(user));
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
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output + await error);
    }
}
