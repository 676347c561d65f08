namespace Mindstack.Mindra.Tests;

public sealed class WalletCreatedAtTests(MindraFactory factory) : IClassFixture<MindraFactory>
{
    [Fact]
    public async Task Wallet_UnusedThenToppedUp_SameCreatedAtEveryTime()
    {
        var user = await factory.RegisterUserAsync();
        var sandbox = await factory.AddKeyAsync(user, sandbox: true);
        async Task<string> CreatedAtAsync(MindraClient client) =>
            (await client.GetJsonAsync("/v1/wallet")).GetProperty("wallets")[0].GetProperty("createdAt").GetString()!;

        var first = await CreatedAtAsync(user);
        var firstSandbox = await CreatedAtAsync(sandbox);
        await Task.Delay(20);
        Assert.Equal(first, await CreatedAtAsync(user));
        Assert.Equal(firstSandbox, await CreatedAtAsync(sandbox));
        Assert.True(DateTime.Parse(first, System.Globalization.CultureInfo.InvariantCulture) <= DateTime.UtcNow.AddSeconds(1));

        // Using the wallet does not move when it was created.
        await user.TopUpAsync(10);
        Assert.Equal(first, await CreatedAtAsync(user));
    }
}
