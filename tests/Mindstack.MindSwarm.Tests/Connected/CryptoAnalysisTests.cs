using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace Mindstack.MindSwarm.Tests.Connected;

/// <summary>Posts naming addresses are analysed by a job against the JSON-RPC and explorer stand-ins (section 19's auto crypto analysis).</summary>
public sealed class CryptoAnalysisTests(StandInServices services) : IClassFixture<StandInServices>
{
    private static readonly BigInteger Ether = BigInteger.Pow(10, 18);

    private MindSwarmFactory Swarm => services.Swarm;

    /// <summary>An ERC-20 contract on the stand-in chain answering name, symbol, decimals, totalSupply and owner.</summary>
    private string Token(string name, string symbol, BigInteger supply, string owner)
    {
        var address = StandInServices.NewAddress();
        services.Accounts[address] = new ChainAccount(BigInteger.Zero, 1, "0x6080604052" + new string('0', 200), new Dictionary<string, string>
        {
            ["0x06fdde03"] = Abi.String(name),
            ["0x95d89b41"] = Abi.String(symbol),
            ["0x313ce567"] = Abi.Uint(18),
            ["0x18160ddd"] = Abi.Uint(supply),
            ["0x8da5cb5b"] = Abi.Address(owner),
        });
        return address;
    }

    private static async Task<JsonElement> AnalysisAsync(SwarmClient user, string postId, Func<JsonElement, bool>? done = null) =>
        await Eventually.UntilAsync(
            async () => (await user.GetDataAsync("/api/posts/" + postId)).GetProperty("post").GetProperty("cryptoAnalysis"),
            a => a.ValueKind == JsonValueKind.Object && (done?.Invoke(a) ?? true), "the post's crypto analysis");

    [Fact]
    public async Task CreatePost_TokenAddress_ScoredFromWhatTheChainAndExplorerSay()
    {
        var owner = StandInServices.NewAddress();
        var token = Token("Test Token", "TST", Ether * 1_000_000, owner);
        services.Sources[token] = new VerifiedSource("TestToken", ["transfer", "balanceOf", "mint", "owner"]);
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new { content = $"New token {token.ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal)} launching today" });
        Assert.Equal(JsonValueKind.Null, post.GetProperty("cryptoAnalysis").ValueKind);

        var analysis = await AnalysisAsync(user, post.GetProperty("id").GetString()!);
        Assert.Equal("analyzed", analysis.GetProperty("status").GetString());
        Assert.Equal("ethereum", analysis.GetProperty("network").GetString());
        Assert.Equal([token], analysis.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        var found = Assert.Single(analysis.GetProperty("tokens").EnumerateArray());
        Assert.Equal(("Test Token", "TST", 18, "1000000"), (found.GetProperty("name").GetString(), found.GetProperty("symbol").GetString(),
            found.GetProperty("decimals").GetInt32(), found.GetProperty("totalSupplyFormatted").GetString()));
        Assert.Equal(owner, found.GetProperty("owner").GetString());
        Assert.False(found.GetProperty("ownershipRenounced").GetBoolean());
        Assert.True(found.GetProperty("verified").GetBoolean());
        Assert.Equal("TestToken", found.GetProperty("contractName").GetString());
        // 100 − 20 (an owner keeps control) − 10 (mintable).
        Assert.Equal(70, found.GetProperty("safetyScore").GetInt32());
        Assert.Equal("CAUTION", found.GetProperty("rating").GetString());
        Assert.Equal(["ownershipNotRenounced", "mintable"], found.GetProperty("breakdown").EnumerateArray().Select(b => b.GetProperty("factor").GetString()));
        Assert.Equal(JsonValueKind.Null, found.GetProperty("honeypot").ValueKind);
        Assert.Contains("not checked", found.GetProperty("honeypotReason").GetString(), StringComparison.Ordinal);
        Assert.Empty(analysis.GetProperty("wallets").EnumerateArray());

        // Wherever the post is returned: the author's profile list too.
        var listed = (await user.GetDataAsync($"/api/users/{user.Username}/posts")).GetProperty("posts")[0];
        Assert.Equal(70, listed.GetProperty("cryptoAnalysis").GetProperty("tokens")[0].GetProperty("safetyScore").GetInt32());
    }

    [Fact]
    public async Task CreatePost_WalletAddresses_BalanceTransactionsAgeAndFlags()
    {
        var now = Swarm.Clock.GetUtcNow().UtcDateTime;
        var active = StandInServices.NewAddress();
        services.Accounts[active] = new ChainAccount(Ether * 3 / 2, 12, FirstTransactionAt: now.AddDays(-400));
        var empty = StandInServices.NewAddress();
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new { content = $"Send to {active}, not to {empty}!" });

        var analysis = await AnalysisAsync(user, post.GetProperty("id").GetString()!);
        var wallets = analysis.GetProperty("wallets").EnumerateArray().ToDictionary(w => w.GetProperty("address").GetString()!);
        Assert.Equal(2, wallets.Count);
        var first = wallets[active];
        Assert.Equal(("1.5", "ETH", 12L), (first.GetProperty("balance").GetString(), first.GetProperty("symbol").GetString(),
            first.GetProperty("transactionCount").GetInt64()));
        Assert.InRange(first.GetProperty("age").GetProperty("days").GetInt32(), 399, 401);
        Assert.Empty(first.GetProperty("riskFlags").EnumerateArray());
        var second = wallets[empty];
        Assert.Equal("0", second.GetProperty("balance").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("age").ValueKind);
        Assert.Contains("no transaction", second.GetProperty("ageReason").GetString(), StringComparison.Ordinal);
        Assert.Equal("emptyAddress", Assert.Single(second.GetProperty("riskFlags").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task CreatePost_ExplorerLinks_ContractOnNodesChainAnalysedOtherNetworkSkipped()
    {
        var contract = StandInServices.NewAddress();
        services.Accounts[contract] = new ChainAccount(BigInteger.Zero, 1, "0x60806040" + new string('f', 96));
        var elsewhere = StandInServices.NewAddress();
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new
        {
            content = $"Audit https://etherscan.io/address/{contract} and https://bscscan.com/token/{elsewhere}. Tx 0x{new string('a', 64)}",
        });

        var analysis = await AnalysisAsync(user, post.GetProperty("id").GetString()!);
        Assert.Equal([contract, elsewhere], analysis.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        var found = Assert.Single(analysis.GetProperty("contracts").EnumerateArray());
        Assert.Equal(contract, found.GetProperty("address").GetString());
        Assert.Equal(52, found.GetProperty("codeSize").GetInt32());
        Assert.False(found.GetProperty("verified").GetBoolean());
        Assert.Contains("not verified", found.GetProperty("summary").GetString(), StringComparison.Ordinal);
        var skipped = Assert.Single(analysis.GetProperty("skipped").EnumerateArray());
        Assert.Equal(("bsc", elsewhere), (skipped.GetProperty("network").GetString(), skipped.GetProperty("address").GetString()));
        Assert.Contains("serves ethereum", skipped.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(analysis.GetProperty("tokens").EnumerateArray());
    }

    [Fact]
    public async Task EditPost_AddressAddedThenChanged_Reanalysed()
    {
        var user = await Swarm.RegisterAsync();
        var post = await user.PostAsync(new { content = "Which wallet should I use?" });
        var id = post.GetProperty("id").GetString()!;
        var wallet = StandInServices.NewAddress();
        services.Accounts[wallet] = new ChainAccount(Ether, 3);

        var edited = (await user.PutDataAsync("/api/posts/" + id, new { content = $"Which wallet should I use? Mine is {wallet}" })).GetProperty("post");
        Assert.Equal(JsonValueKind.Null, edited.GetProperty("cryptoAnalysis").ValueKind);
        var analysis = await AnalysisAsync(user, id);
        Assert.Equal("1", analysis.GetProperty("wallets")[0].GetProperty("balance").GetString());

        var other = StandInServices.NewAddress();
        await user.PutDataAsync("/api/posts/" + id, new { content = $"Changed my mind: {other}" });
        var again = await AnalysisAsync(user, id, a => a.GetProperty("addresses")[0].GetString() == other);
        Assert.Equal("0", Assert.Single(again.GetProperty("wallets").EnumerateArray()).GetProperty("balance").GetString());
    }

    /// <summary>ABI encodings of the answers <c>eth_call</c> returns.</summary>
    private static class Abi
    {
        public static string Uint(BigInteger value) => "0x" + Word(value);

        public static string Address(string address) => "0x" + new string('0', 24) + address[2..].ToLowerInvariant();

        public static string String(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var padded = Convert.ToHexString(bytes).ToLowerInvariant().PadRight(((bytes.Length + 31) / 32) * 64, '0');
            return "0x" + Word(32) + Word(bytes.Length) + padded;
        }

        private static string Word(BigInteger value) => value.ToString("x64", CultureInfo.InvariantCulture)[^64..];
    }
}
