namespace Mindstack.MindPeeker.Tests;

public sealed class BillingAndWebhookTests(MindPeekerFactory factory) : IClassFixture<MindPeekerFactory>
{
    [Fact]
    public async Task Billing_NewProfessional_PlanCreditsAndResetDate()
    {
        var user = await factory.RegisterUserAsync("professional");
        await factory.CreateSessionAsync(user, "dowsing");
        var billing = await factory.BillingAsync(user);
        Assert.Equal("professional", billing.GetProperty("tier").GetString());
        Assert.Equal(299, billing.GetProperty("monthly_fee").GetInt64());
        var credits = billing.GetProperty("credits");
        Assert.Equal(1000, credits.GetProperty("included").GetInt64());
        Assert.Equal(8, credits.GetProperty("held").GetInt64());
        Assert.Equal(992, credits.GetProperty("remaining").GetInt64());
        var reset = credits.GetProperty("reset_date").GetDateTime();
        Assert.Equal(1, reset.Day);
        Assert.True(reset > DateTime.UtcNow);
        Assert.Equal(reset, billing.GetProperty("next_billing_date").GetDateTime());
        Assert.Equal(1, billing.GetProperty("usage").GetProperty("current_month").GetProperty("sessions").GetInt32());
        Assert.Equal(0, billing.GetProperty("usage").GetProperty("last_month").GetProperty("sessions").GetInt32());
        Assert.Equal(JsonValueKind.Null, billing.GetProperty("payment_method").ValueKind);
        Assert.Equal(3, billing.GetProperty("credit_packages").GetArrayLength());
    }

    [Fact]
    public async Task Purchase_VisaThenDeclined_BalanceCardOnFileAndHistory()
    {
        var user = await factory.RegisterUserAsync();
        var response = await factory.SendAsync(HttpMethod.Post, "/billing/credits/purchase", user.Token,
            new { credit_package = "professional_500", payment_method_id = "pm_card_visa", quantity = 1 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await factory.ReadJsonAsync(response);
        Assert.Equal("Credits purchased successfully", body.GetProperty("message").GetString());
        var data = body.GetProperty("data");
        Assert.StartsWith("txn_", data.GetProperty("transaction_id").GetString());
        Assert.Equal(500, data.GetProperty("credits_purchased").GetInt64());
        Assert.Equal(149.99m, data.GetProperty("amount").GetDecimal());
        Assert.Equal("USD", data.GetProperty("currency").GetString());
        Assert.Equal("completed", data.GetProperty("payment_status").GetString());
        Assert.Equal(600, data.GetProperty("new_balance").GetInt64());
        Assert.Equal(600, await factory.CreditsAsync(user));

        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/billing/credits/purchase", user.Token,
            new { credit_package = "basic_100", payment_method_id = "pm_card_declined" }), (HttpStatusCode)402, "CARD_DECLINED");
        Assert.Equal(600, await factory.CreditsAsync(user));

        var billing = await factory.BillingAsync(user);
        Assert.Equal("4242", billing.GetProperty("payment_method").GetProperty("last_four").GetString());
        Assert.Equal(500, billing.GetProperty("credits").GetProperty("purchased").GetInt64());

        var history = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/billing/history", user.Token))).GetProperty("data");
        var transactions = history.GetProperty("transactions").EnumerateArray().ToList();
        Assert.Equal(3, history.GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.Equal(["failed", "completed", "completed"], transactions.Select(t => t.GetProperty("status").GetString()));
        Assert.Equal(["credit_purchase", "credit_purchase", "monthly_credits"], transactions.Select(t => t.GetProperty("type").GetString()));
        Assert.Equal(data.GetProperty("transaction_id").GetString(), transactions[1].GetProperty("id").GetString());
        Assert.Equal("Professional 500 Credit Package", transactions[1].GetProperty("description").GetString());
    }

    [Fact]
    public async Task Billing_PaidWithSandboxCard_PaymentMethodWithExpiry()
    {
        var user = await factory.RegisterUserAsync();
        Assert.Equal(HttpStatusCode.OK, (await factory.SendAsync(HttpMethod.Post, "/billing/credits/purchase", user.Token,
            new { credit_package = "basic_100", payment_method_id = "pm_card_mastercard" })).StatusCode);
        var card = (await factory.BillingAsync(user)).GetProperty("payment_method");
        Assert.Equal("card", card.GetProperty("type").GetString());
        Assert.Equal("mastercard", card.GetProperty("brand").GetString());
        Assert.Equal("4444", card.GetProperty("last_four").GetString());
        Assert.Equal("12/34", card.GetProperty("expiry").GetString());
    }

    [Fact]
    public async Task Purchase_RetriedWithIdempotencyKey_ChargedOnce()
    {
        var user = await factory.RegisterUserAsync();
        var key = Guid.NewGuid().ToString("N");
        var body = new { credit_package = "basic_100", payment_method_id = "pm_card_visa" };
        var first = await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Post, "/billing/credits/purchase", user.Token, body,
            h => h.Add("X-Idempotency-Key", key)));
        var again = await factory.SendAsync(HttpMethod.Post, "/billing/credits/purchase", user.Token, body, h => h.Add("X-Idempotency-Key", key));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(first.GetProperty("data").GetProperty("transaction_id").GetString(),
            (await factory.ReadJsonAsync(again)).GetProperty("data").GetProperty("transaction_id").GetString());
        Assert.Equal(200, await factory.CreditsAsync(user));
    }

    [Fact]
    public async Task Purchase_BadRequests_422WithDocumentCodes()
    {
        var user = await factory.RegisterUserAsync();
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/billing/credits/purchase", user.Token,
            new { payment_method_id = "pm_card_visa" }), HttpStatusCode.UnprocessableEntity, "MISSING_REQUIRED_FIELD");
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/billing/credits/purchase", user.Token,
            new { credit_package = "gold_1", payment_method_id = "pm_card_visa" }), HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/billing/credits/purchase", user.Token,
            new { credit_package = "basic_100" }), HttpStatusCode.UnprocessableEntity, "MISSING_REQUIRED_FIELD");
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/billing/credits/purchase", user.Token,
            new { credit_package = "basic_100", payment_method_id = "pm_card_visa", quantity = 0 }), HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
        Assert.Equal(100, await factory.CreditsAsync(user));
    }

    [Fact]
    public async Task History_PagingAndDates_PagesAndRange()
    {
        var user = await factory.RegisterUserAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await factory.SendAsync(HttpMethod.Post, "/billing/credits/purchase", user.Token,
                new { credit_package = "basic_100", payment_method_id = "pm_card_visa" })).StatusCode);
        }
        var first = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/billing/history?limit=2&offset=0", user.Token))).GetProperty("data");
        Assert.Equal(2, first.GetProperty("transactions").GetArrayLength());
        Assert.Equal(4, first.GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.True(first.GetProperty("pagination").GetProperty("has_more").GetBoolean());
        var second = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/billing/history?limit=2&offset=2", user.Token))).GetProperty("data");
        Assert.False(second.GetProperty("pagination").GetProperty("has_more").GetBoolean());
        Assert.Equal("monthly_credits", second.GetProperty("transactions")[1].GetProperty("type").GetString());
        Assert.Empty(first.GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("id").GetString())
            .Intersect(second.GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("id").GetString())));

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var ranged = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, $"/billing/history?start_date={today}&end_date={today}", user.Token))).GetProperty("data");
        Assert.Equal(4, ranged.GetProperty("pagination").GetProperty("total").GetInt32());
        var past = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/billing/history?start_date=2020-01-01&end_date=2020-12-31", user.Token))).GetProperty("data");
        Assert.Equal(0, past.GetProperty("pagination").GetProperty("total").GetInt32());
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Get, "/billing/history?limit=500", user.Token),
            HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Get, "/billing/history?start_date=yesterday", user.Token),
            HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
    }

    [Fact]
    public async Task Webhooks_CreateListUpdateDelete_DocumentShapes()
    {
        var user = await factory.RegisterUserAsync();
        var created = await factory.SendAsync(HttpMethod.Post, "/webhooks", user.Token, new
        {
            url = "https://your-app.com/webhooks/mindpeeker",
            events = new[] { "session.completed", "session.failed", "analysis.ready" },
            active = true,
            description = "Production webhook for session notifications",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await factory.ReadJsonAsync(created);
        Assert.Equal("Webhook created successfully", body.GetProperty("message").GetString());
        var hook = body.GetProperty("data");
        var id = hook.GetProperty("id").GetString()!;
        Assert.StartsWith("webhook_", id);
        Assert.StartsWith("whsec_", hook.GetProperty("secret").GetString());
        Assert.Equal(3, hook.GetProperty("events").GetArrayLength());

        var chosen = await factory.SendAsync(HttpMethod.Post, "/webhooks", user.Token, new
        {
            url = "https://your-app.com/other",
            events = new[] { "billing.payment_succeeded" },
            secret = "your_webhook_secret",
        });
        Assert.Equal("your_webhook_secret", (await factory.ReadJsonAsync(chosen)).GetProperty("data").GetProperty("secret").GetString());

        var list = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/webhooks", user.Token))).GetProperty("data").GetProperty("webhooks");
        Assert.Equal(2, list.GetArrayLength());
        Assert.Equal(JsonValueKind.Null, list[0].GetProperty("last_triggered").ValueKind);
        Assert.False(list[0].TryGetProperty("secret", out _));

        var updated = await factory.SendAsync(HttpMethod.Put, $"/webhooks/{id}", user.Token, new
        {
            events = new[] { "session.completed", "session.failed", "analysis.ready", "billing.payment_succeeded" },
            active = false,
        });
        var changed = (await factory.ReadJsonAsync(updated)).GetProperty("data");
        Assert.Equal(4, changed.GetProperty("events").GetArrayLength());
        Assert.False(changed.GetProperty("active").GetBoolean());

        var deleted = await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Delete, $"/webhooks/{id}", user.Token));
        Assert.Equal("Webhook deleted successfully", deleted.GetProperty("message").GetString());
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Delete, $"/webhooks/{id}", user.Token),
            HttpStatusCode.NotFound, "WEBHOOK_NOT_FOUND");
    }

    [Fact]
    public async Task Webhooks_BadRequests_422()
    {
        var user = await factory.RegisterUserAsync();
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/webhooks", user.Token,
            new { events = new[] { "session.completed" } }), HttpStatusCode.UnprocessableEntity, "MISSING_REQUIRED_FIELD");
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/webhooks", user.Token,
            new { url = "https://example.com/h", events = new[] { "session.exploded" } }), HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/webhooks", user.Token,
            new { url = "ftp://example.com/h", events = new[] { "session.completed" } }), HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
        // Loopback targets are refused unless the operator allows private targets.
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Post, "/webhooks", user.Token,
            new { url = "http://127.0.0.1:9/h", events = new[] { "session.completed" } }), HttpStatusCode.UnprocessableEntity, "INVALID_FIELD_VALUE");
    }

    [Fact]
    public async Task AnotherAccount_WebhooksAndBilling_NeverSeen()
    {
        var owner = await factory.RegisterUserAsync();
        var other = await factory.RegisterUserAsync();
        var hook = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Post, "/webhooks", owner.Token,
            new { url = "https://example.com/h", events = new[] { "session.completed" } }))).GetProperty("data").GetProperty("id").GetString();
        await factory.SendAsync(HttpMethod.Post, "/billing/credits/purchase", owner.Token, new { credit_package = "basic_100", payment_method_id = "pm_card_visa" });

        Assert.Equal(0, (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/webhooks", other.Token)))
            .GetProperty("data").GetProperty("webhooks").GetArrayLength());
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Put, $"/webhooks/{hook}", other.Token, new { active = false }),
            HttpStatusCode.NotFound, "WEBHOOK_NOT_FOUND");
        await MindPeekerFactory.AssertErrorAsync(await factory.SendAsync(HttpMethod.Delete, $"/webhooks/{hook}", other.Token),
            HttpStatusCode.NotFound, "WEBHOOK_NOT_FOUND");
        var history = (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/billing/history", other.Token))).GetProperty("data");
        Assert.Equal(["monthly_credits"], history.GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("type").GetString()));
        var billing = await factory.BillingAsync(other);
        Assert.Equal(0, billing.GetProperty("credits").GetProperty("purchased").GetInt64());
        Assert.Equal(JsonValueKind.Null, billing.GetProperty("payment_method").ValueKind);
        Assert.Equal(100, billing.GetProperty("credits").GetProperty("remaining").GetInt64());
        Assert.Equal(1, (await factory.ReadJsonAsync(await factory.SendAsync(HttpMethod.Get, "/webhooks", owner.Token)))
            .GetProperty("data").GetProperty("webhooks").GetArrayLength());
    }
}
