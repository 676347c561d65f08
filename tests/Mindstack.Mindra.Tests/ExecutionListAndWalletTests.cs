using System.Net;

namespace Mindstack.Mindra.Tests;

public sealed class ExecutionListAndWalletTests(MindraFactory factory) : IClassFixture<MindraFactory>
{
    [Fact]
    public async Task Executions_List_PagesFiltersAndSorts()
    {
        var user = await factory.RegisterUserAsync(sandbox: true);
        var first = await user.OrchestrateAsync(new { query = "Analyze the revenue data", context = new { revenue = new[] { 1, 2 } } });
        var second = await user.OrchestrateAsync(new { query = "Summarize this research paper", context = new { text = "A short paper." } });
        var third = await user.OrchestrateAsync(new { query = "Analyze the churn data", context = new { churn = new[] { 5, 4 } } });
        foreach (var id in new[] { first, second, third })
        {
            await user.WaitForExecutionAsync(id);
        }

        var page = await user.GetJsonAsync("/v1/executions?page=1&limit=2");
        var pagination = page.GetProperty("pagination");
        Assert.Equal(3, pagination.GetProperty("total").GetInt32());
        Assert.Equal(2, pagination.GetProperty("pages").GetInt32());
        Assert.True(pagination.GetProperty("hasNext").GetBoolean());
        Assert.False(pagination.GetProperty("hasPrev").GetBoolean());
        Assert.Equal(third, page.GetProperty("data")[0].GetProperty("id").GetString());
        var last = await user.GetJsonAsync("/v1/executions?page=2&limit=2");
        Assert.True(last.GetProperty("pagination").GetProperty("hasPrev").GetBoolean());
        Assert.Equal(first, last.GetProperty("data")[0].GetProperty("id").GetString());

        var ascending = await user.GetJsonAsync("/v1/executions?sort=createdAt");
        Assert.Equal(first, ascending.GetProperty("data")[0].GetProperty("id").GetString());
        var analytics = await user.GetJsonAsync("/v1/executions?vertical=analytics");
        Assert.Equal(2, analytics.GetProperty("pagination").GetProperty("total").GetInt32());
        var completed = await user.GetJsonAsync("/v1/executions?status=COMPLETED&startDate=2000-01-01&endDate=2999-12-31");
        Assert.Equal(3, completed.GetProperty("pagination").GetProperty("total").GetInt32());
        var none = await user.GetJsonAsync("/v1/executions?status=FAILED");
        Assert.Equal(0, none.GetProperty("pagination").GetProperty("total").GetInt32());
        var future = await user.GetJsonAsync("/v1/executions?startDate=2999-01-01");
        Assert.Equal(0, future.GetProperty("pagination").GetProperty("total").GetInt32());

        foreach (var query in new[] { "sort=-colour", "limit=101", "page=0", "status=DONE", "startDate=yesterday" })
        {
            using var response = await user.GetAsync("/v1/executions?" + query);
            await MindraClient.ExpectError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        }
        using var missing = await user.GetAsync("/v1/executions/exec_nope");
        await MindraClient.ExpectError(missing, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Wallet_TopUp_BalanceAndTransactions()
    {
        var user = await factory.RegisterUserAsync();
        var wallet = await user.GetJsonAsync("/v1/wallet");
        var fiat = wallet.GetProperty("wallets")[0];
        Assert.Equal("FIAT", fiat.GetProperty("type").GetString());
        Assert.Equal("USD", fiat.GetProperty("currency").GetString());
        Assert.Equal(0m, fiat.GetProperty("balance").GetDecimal());

        var topUp = await user.TopUpAsync(25.5m);
        Assert.Equal(25.5m, topUp.GetProperty("amount").GetDecimal());
        Assert.Equal(25.5m, topUp.GetProperty("newBalance").GetDecimal());
        Assert.Equal("USD", topUp.GetProperty("currency").GetString());
        Assert.Equal("COMPLETED", topUp.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(topUp.GetProperty("transactionId").GetString()));
        await user.TopUpAsync(10);
        Assert.Equal(35.5m, await user.BalanceAsync());

        var transactions = await user.GetJsonAsync("/v1/wallet/transactions?limit=1");
        Assert.Equal(2, transactions.GetProperty("pagination").GetProperty("total").GetInt32());
        var newest = transactions.GetProperty("data")[0];
        Assert.Equal("TOPUP", newest.GetProperty("type").GetString());
        Assert.Equal(10m, newest.GetProperty("amount").GetDecimal());
        Assert.Equal(35.5m, newest.GetProperty("balanceAfter").GetDecimal());

        var yesterday = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var inRange = await user.GetJsonAsync($"/v1/wallet/transactions?startDate={yesterday}&endDate={tomorrow}");
        Assert.Equal(2, inRange.GetProperty("pagination").GetProperty("total").GetInt32());
        var before = await user.GetJsonAsync($"/v1/wallet/transactions?endDate={yesterday}");
        Assert.Equal(0, before.GetProperty("pagination").GetProperty("total").GetInt32());
        var after = await user.GetJsonAsync($"/v1/wallet/transactions?startDate={tomorrow}");
        Assert.Equal(0, after.GetProperty("pagination").GetProperty("total").GetInt32());
        using var badDate = await user.GetAsync("/v1/wallet/transactions?startDate=last-week");
        await MindraClient.ExpectError(badDate, HttpStatusCode.BadRequest, "INVALID_REQUEST");
    }

    [Fact]
    public async Task Wallet_TopUpInvalidOrDeclined_Refused()
    {
        var user = await factory.RegisterUserAsync();
        foreach (var body in new object[]
        {
            new { amount = 5, paymentMethod = "card", paymentMethodId = "pm_card_visa" },
            new { amount = 10_001, paymentMethod = "card", paymentMethodId = "pm_card_visa" },
            new { amount = 10.001m, paymentMethod = "card", paymentMethodId = "pm_card_visa" },
            new { amount = 20, paymentMethod = "card" },
        })
        {
            using var response = await user.PostAsync("/v1/wallet/topup", body);
            await MindraClient.ExpectError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        }
        using var declined = await user.PostAsync("/v1/wallet/topup", new { amount = 20, paymentMethod = "card", paymentMethodId = "pm_card_declined" });
        Assert.Equal(HttpStatusCode.PaymentRequired, declined.StatusCode);
        Assert.Equal(0m, await user.BalanceAsync());
    }

    [Fact]
    public async Task Wallet_TopUpRetriedWithSameKey_ChargedOnce()
    {
        var user = await factory.RegisterUserAsync();
        var body = new { amount = 50, paymentMethod = "card", paymentMethodId = "pm_card_visa" };
        using var first = await user.PostAsync("/v1/wallet/topup", body, "topup-1");
        using var second = await user.PostAsync("/v1/wallet/topup", body, "topup-1");
        var a = await MindraClient.Expect(first, HttpStatusCode.OK);
        var b = await MindraClient.Expect(second, HttpStatusCode.OK);
        Assert.Equal(a.GetProperty("transactionId").GetString(), b.GetProperty("transactionId").GetString());
        Assert.Equal(50m, await user.BalanceAsync());
    }

    [Fact]
    public async Task CryptoAddress_NotConfigured_ServiceUnavailable()
    {
        var user = await factory.RegisterUserAsync();
        using var response = await user.GetAsync("/v1/wallet/crypto/address");
        await MindraClient.ExpectError(response, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
    }

    [Fact]
    public async Task CryptoAddress_Configured_Answered()
    {
        using var configured = new MindraFactory();
        configured.WithSetting("Mindstack:Mindra:CryptoDepositAddress", "0x52908400098527886E0F7030069857D2E4169EE7")
            .WithSetting("Mindstack:Mindra:CryptoNetwork", "ethereum");
        var user = await configured.RegisterUserAsync();
        var address = await user.GetJsonAsync("/v1/wallet/crypto/address");
        Assert.Equal("0x52908400098527886E0F7030069857D2E4169EE7", address.GetProperty("address").GetString());
        Assert.Equal("ethereum", address.GetProperty("network").GetString());
    }

    [Theory]
    [InlineData("/v1/executions?endDate=9999-12-31")]
    [InlineData("/v1/wallet/transactions?endDate=9999-12-31")]
    public async Task List_EndDateLastRepresentableDay_400NamingEndDate(string path)
    {
        var user = await factory.RegisterUserAsync(sandbox: true);
        using var response = await user.GetAsync(path);
        var error = await MindraClient.ExpectError(response, HttpStatusCode.BadRequest, "INVALID_REQUEST");
        Assert.StartsWith("endDate:", error.GetProperty("details").GetString(), StringComparison.Ordinal);

        // The day before is a day like any other.
        using var dayBefore = await user.GetAsync(path.Replace("9999-12-31", "9999-12-30", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, dayBefore.StatusCode);
    }
}
