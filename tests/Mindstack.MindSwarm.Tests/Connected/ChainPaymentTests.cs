using System.Net;
using System.Numerics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Billing;

namespace Mindstack.MindSwarm.Tests.Connected;

/// <summary>Tips and ad payments verified against the JSON-RPC stand-in.</summary>
public sealed class ChainPaymentTests(StandInServices services) : IClassFixture<StandInServices>
{
    private static readonly BigInteger CentEther = BigInteger.Pow(10, 16);
    private const string Sender = "0x2222222222222222222222222222222222222222";

    private MindSwarmFactory Swarm => services.Swarm;

    /// <summary>A member with an eth wallet on their profile, and a post of theirs.</summary>
    private async Task<(SwarmClient User, string Wallet, JsonElement Post)> AuthorAsync()
    {
        var author = await Swarm.RegisterAsync();
        var wallet = "0x" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();
        await author.PutDataAsync("/api/users/crypto-addresses", new { eth = wallet });
        return (author, wallet, await author.PostAsync(new { content = "Tip me" }));
    }

    private async Task<SwarmClient> AdminAsync()
    {
        var admin = await Swarm.RegisterAsync();
        using var scope = Swarm.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IAccountService>().SetRoleAsync(admin.UserId, AccountRoles.Admin);
        return admin;
    }

    private static object Tip(SwarmClient author, JsonElement post, string hash, string crypto = "eth", string amount = "0.01") => new
    {
        recipientId = author.UserId,
        cryptocurrency = crypto,
        amount,
        transactionHash = hash,
        blockchainNetwork = "ethereum",
        senderAddress = Sender,
        postId = post.GetProperty("id").GetString(),
        message = "Great post!",
    };

    [Fact]
    public async Task SendTip_TransferToAuthorsWallet_VerifiedAndNotified()
    {
        var (author, wallet, post) = await AuthorAsync();
        var fan = await Swarm.RegisterAsync();
        var hash = StandInServices.NewTxHash();
        services.Chain[hash] = new ChainTransaction(Sender, wallet, CentEther, 95);

        var sent = await fan.PostDataAsync("/api/tips/send", Tip(author, post, hash), HttpStatusCode.Created);
        var tip = sent.GetProperty("tip");
        Assert.Equal("verified", tip.GetProperty("status").GetString());
        Assert.Equal(wallet, tip.GetProperty("recipientAddress").GetString());
        var id = tip.GetProperty("id").GetString();

        var status = await fan.GetDataAsync($"/api/tips/{id}/status");
        Assert.Equal("verified", status.GetProperty("status").GetString());
        var onPost = await Swarm.Anonymous().GetDataAsync($"/api/tips/post/{post.GetProperty("shortId").GetString()}");
        Assert.Equal(1, onPost.GetProperty("total").GetInt32());
        Assert.Equal("0.01", onPost.GetProperty("totals")[0].GetProperty("amount").GetString());
        var received = await author.GetDataAsync("/api/tips/history?type=received");
        Assert.Equal(id, received.GetProperty("tips")[0].GetProperty("id").GetString());
        Assert.Empty((await author.GetDataAsync("/api/tips/history?type=sent")).GetProperty("tips").EnumerateArray());
        var stats = await author.GetDataAsync("/api/tips/stats");
        Assert.Equal(1, stats.GetProperty("received").GetProperty("verified").GetInt32());
        var types = await Eventually.UntilAsync(
            async () => (await author.GetDataAsync("/api/notifications?limit=100")).GetProperty("notifications").EnumerateArray()
                .Select(n => n.GetProperty("type").GetString()).ToList(),
            t => t.Contains("tip_received") && t.Contains("tip_verified"), "tip notifications");
        Assert.Contains("tip_verified", types);
    }

    [Fact]
    public async Task SendTip_TransferToAnotherAddress_Failed()
    {
        var (author, _, post) = await AuthorAsync();
        var fan = await Swarm.RegisterAsync();
        var hash = StandInServices.NewTxHash();
        services.Chain[hash] = new ChainTransaction(Sender, "0x3333333333333333333333333333333333333333", CentEther, 95);

        var tip = (await fan.PostDataAsync("/api/tips/send", Tip(author, post, hash), HttpStatusCode.Created)).GetProperty("tip");
        Assert.Equal("failed", tip.GetProperty("status").GetString());
        Assert.Contains("different address", tip.GetProperty("statusReason").GetString(), StringComparison.Ordinal);
        // A failed tip is not counted on the post.
        var onPost = await Swarm.Anonymous().GetDataAsync($"/api/tips/post/{post.GetProperty("id").GetString()}");
        Assert.Equal(0, onPost.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task SendTip_Erc20TransferOfUsdc_Verified()
    {
        var (author, wallet, post) = await AuthorAsync();
        var fan = await Swarm.RegisterAsync();
        var hash = StandInServices.NewTxHash();
        services.Chain[hash] = new ChainTransaction(Sender, wallet, new BigInteger(5_000_000), 95, Token: StandInServices.UsdcContract);

        var tip = (await fan.PostDataAsync("/api/tips/send", Tip(author, post, hash, "usdc", "5"), HttpStatusCode.Created)).GetProperty("tip");
        Assert.Equal("verified", tip.GetProperty("status").GetString());
    }

    [Fact]
    public async Task SendTip_HashUsedByTipOrAd_Conflict()
    {
        var (author, wallet, post) = await AuthorAsync();
        var fan = await Swarm.RegisterAsync();
        var hash = StandInServices.NewTxHash();
        services.Chain[hash] = new ChainTransaction(Sender, wallet, CentEther, 95);
        await fan.PostDataAsync("/api/tips/send", Tip(author, post, hash), HttpStatusCode.Created);
        await fan.ErrorAsync(HttpMethod.Post, "/api/tips/send", Tip(author, post, hash.ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal)),
            HttpStatusCode.Conflict, "TX_HASH_USED");

        // A hash that paid for an ad cannot pay for a tip either.
        var admin = await AdminAsync();
        var adHash = StandInServices.NewTxHash();
        services.Chain[adHash] = new ChainTransaction(Sender, StandInServices.AdRecipient, CentEther * 5, 95);
        var ad = await PaidAdAsync(fan, admin, adHash);
        Assert.Equal("active", ad.GetProperty("status").GetString());
        await fan.ErrorAsync(HttpMethod.Post, "/api/tips/send", Tip(author, post, adHash), HttpStatusCode.Conflict, "TX_HASH_USED");
    }

    [Fact]
    public async Task PayAd_VerifiedOnChain_ActiveAndOnLedger()
    {
        var advertiser = await Swarm.RegisterAsync();
        var admin = await AdminAsync();
        var hash = StandInServices.NewTxHash();
        // 7 days at 0.005 eth a day.
        services.Chain[hash] = new ChainTransaction(Sender, StandInServices.AdRecipient, CentEther * 7 / 2, 95);

        var ad = await PaidAdAsync(advertiser, admin, hash);
        Assert.Equal("active", ad.GetProperty("status").GetString());
        Assert.Equal("verified", ad.GetProperty("payment").GetProperty("status").GetString());
        using var scope = Swarm.Services.CreateScope();
        var ledger = scope.ServiceProvider.GetRequiredService<ICreditLedger>();
        var charge = await ledger.FindByReferenceAsync($"mindswarm:ad:{ad.GetProperty("id").GetString()}:charge");
        Assert.Equal(35_000, charge!.Amount);
    }

    [Fact]
    public async Task PayAd_NotMinedYet_PendingThenActivatedByRetry()
    {
        var advertiser = await Swarm.RegisterAsync();
        var admin = await AdminAsync();
        var hash = StandInServices.NewTxHash();
        services.Chain[hash] = new ChainTransaction(Sender, StandInServices.AdRecipient, CentEther * 7 / 2, 0, Mined: false);
        var id = await ApprovedAdAsync(advertiser, admin);
        var paid = await advertiser.PostDataAsync($"/api/ads/{id}/pay",
            new { cryptocurrency = "eth", amount = "0.035", transactionHash = hash, blockchainNetwork = "ethereum", senderAddress = Sender });
        Assert.Equal("approved", paid.GetProperty("status").GetString());
        Assert.Equal("pending", paid.GetProperty("ad").GetProperty("payment").GetProperty("status").GetString());

        services.Chain[hash] = services.Chain[hash] with { Mined = true, Block = 99 };
        Swarm.Clock.Advance(TimeSpan.FromSeconds(31));
        await Eventually.UntilAsync(async () => await advertiser.GetDataAsync("/api/ads/my-ads"),
            page => page.GetProperty("ads").EnumerateArray().Any(a => a.GetProperty("id").GetString() == id && a.GetProperty("status").GetString() == "active"),
            "the ad activated by its payment's recheck");
    }

    [Fact]
    public async Task PayAd_TooLittle_Refused()
    {
        var advertiser = await Swarm.RegisterAsync();
        var admin = await AdminAsync();
        var id = await ApprovedAdAsync(advertiser, admin);
        await advertiser.ErrorAsync(HttpMethod.Post, $"/api/ads/{id}/pay",
            new { cryptocurrency = "eth", amount = "0.001", transactionHash = StandInServices.NewTxHash(), blockchainNetwork = "ethereum" },
            HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    private static async Task<string> ApprovedAdAsync(SwarmClient advertiser, SwarmClient admin)
    {
        var ad = (await advertiser.PostDataAsync("/api/ads",
            new { title = "Our project", description = "Building decentralized social", linkUrl = "https://example.com", duration = 7, placement = "inline" },
            HttpStatusCode.Created)).GetProperty("ad");
        Assert.Equal("pending_review", ad.GetProperty("status").GetString());
        var id = ad.GetProperty("id").GetString()!;
        await admin.PostDataAsync($"/api/admin/ads/{id}/review", new { action = "approve" });
        return id;
    }

    private static async Task<JsonElement> PaidAdAsync(SwarmClient advertiser, SwarmClient admin, string hash)
    {
        var id = await ApprovedAdAsync(advertiser, admin);
        var paid = await advertiser.PostDataAsync($"/api/ads/{id}/pay",
            new { cryptocurrency = "eth", amount = "0.035", transactionHash = hash, blockchainNetwork = "ethereum", senderAddress = Sender });
        return paid.GetProperty("ad");
    }
}
