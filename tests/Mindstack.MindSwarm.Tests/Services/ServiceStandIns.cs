using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindSwarm.Tests.Connected;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Billing;

namespace Mindstack.MindSwarm.Tests.Services;

/// <summary>
/// The outside world of price feeds and services on loopback: an Ethereum JSON-RPC node answering
/// Chainlink aggregator calls (<c>eth_call</c>, ABI-encoded), a CoinGecko-compatible API and a
/// LANAgent-style gateway; and a MindSwarm server configured to use them.
/// </summary>
public sealed class ServiceStandIns : IAsyncLifetime
{
    public const string BtcFeed = "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c";
    public const string LinkFeed = "0x2c1d072e956AFFC0D435Cb7AC38EF18d24d9127c";
    public const string EthFeed = "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419";

    public ServiceStandIns()
    {
        Outside = new LoopbackReceiver { Respond = RouteAsync };
        Swarm = new MindSwarmFactory();
        Swarm.WithSetting("Mindstack:MindSwarm:PriceFeeds:Chainlink:RpcUrls:ethereum", Outside.Url("/rpc"));
        Swarm.WithSetting("Mindstack:MindSwarm:PriceFeeds:CoinGecko:BaseUrl", Outside.Url("/coingecko/api/v3"));
        Swarm.WithSetting("Mindstack:MindSwarm:PriceFeeds:CoinGecko:ApiKey", "cg-key");
        // Long enough that a cache hit in a test is certain, however slow the machine.
        Swarm.WithSetting("Mindstack:MindSwarm:PriceFeeds:CacheTtl", "00:10:00");
        Swarm.WithSetting("Mindstack:MindSwarm:Services:GatewayUrl", Outside.Url("/gateway"));
        Swarm.WithSetting("Mindstack:MindSwarm:Services:ApiKey", "gateway-key");
    }

    public LoopbackReceiver Outside { get; }

    public MindSwarmFactory Swarm { get; }

    /// <summary>Each aggregator's latest answer (8 decimals), by address (any case).</summary>
    public ConcurrentDictionary<string, long> Answers { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [BtcFeed] = 6_712_345_000_000,
        [LinkFeed] = 1_850_000_000,
        [EthFeed] = 350_000_000_000,
    };

    /// <summary>The <c>eth_call</c>s received: (aggregator address, 4-byte selector).</summary>
    public ConcurrentQueue<(string To, string Selector)> Calls { get; } = new();

    /// <summary>An admin of this server with <paramref name="credits"/> credits on the ledger.</summary>
    public static async Task<SwarmClient> AdminAsync(MindSwarmFactory swarm, long credits = 0)
    {
        var admin = await swarm.RegisterAsync();
        using var scope = swarm.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IAccountService>().SetRoleAsync(admin.UserId, AccountRoles.Admin);
        if (credits > 0)
        {
            await scope.ServiceProvider.GetRequiredService<ICreditLedger>().GrantAsync(admin.UserId, "credits", credits, "test-grant:" + Guid.NewGuid().ToString("N"));
        }
        return admin;
    }

    public static async Task<long> CreditsAsync(MindSwarmFactory swarm, SwarmClient user)
    {
        using var scope = swarm.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<ICreditLedger>().GetBalanceAsync(user.UserId, "credits")).Available;
    }

    private Task RouteAsync(HttpContext context, ReceivedRequest request)
    {
        if (request.Path == "/rpc")
        {
            return RpcAsync(context, request);
        }
        if (request.Path == "/coingecko/api/v3/simple/price")
        {
            var ids = context.Request.Query["ids"].ToString();
            var body = ids switch
            {
                "solana" => """{"solana":{"usd":142.5}}""",
                "bitcoin" => """{"bitcoin":{"usd":67000}}""",
                _ => "{}",
            };
            return StandInServices.WriteAsync(context, 200, body);
        }
        if (request.Path == "/coingecko/api/v3/coins/bitcoin/market_chart")
        {
            return StandInServices.WriteAsync(context, 200, """{"prices":[[1733529600000,66000.5],[1733533200000,66500.25]],"market_caps":[],"total_volumes":[]}""");
        }
        if (request.Path.StartsWith("/gateway/api/external/service/", StringComparison.Ordinal))
        {
            return request.Path.EndsWith("/lyrics/search", StringComparison.Ordinal)
                ? StandInServices.WriteAsync(context, 200, """{"success":false,"error":"no lyrics found"}""")
                : StandInServices.WriteAsync(context, 200, """{"success":true,"result":"Today: sunny","data":{"temperature":21}}""");
        }
        return StandInServices.WriteAsync(context, 404, "{\"error\":\"no stand-in here\"}");
    }

    /// <summary>A node answering Chainlink aggregator reads: latestRoundData, getRoundData, decimals, description.</summary>
    private Task RpcAsync(HttpContext context, ReceivedRequest request)
    {
        var call = request.Json;
        var id = call.GetProperty("id");
        string? result = null;
        if (call.GetProperty("method").GetString() == "eth_call")
        {
            var target = call.GetProperty("params")[0];
            var to = target.GetProperty("to").GetString()!;
            var data = (target.TryGetProperty("data", out var d) ? d : target.GetProperty("input")).GetString()!;
            var selector = data[..10];
            Calls.Enqueue((to, selector));
            if (Answers.TryGetValue(to, out var answer))
            {
                var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                result = selector switch
                {
                    "0xfeaf968c" => Words(RoundFor(answer), answer, now - 60, now - 30, RoundFor(answer)),
                    "0x9a6fc8f5" => Words(BigInteger.Parse("0" + data[10..], NumberStyles.HexNumber, CultureInfo.InvariantCulture), answer - 100_000_000,
                        1_733_500_000, 1_733_500_000, 1),
                    "0x313ce567" => Words(8),
                    "0x7284e416" => AbiString("BTC / USD"),
                    _ => null,
                };
            }
        }
        var response = result is null
            ? JsonSerializer.Serialize(new Dictionary<string, object?> { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = new { code = -32000, message = "execution reverted" } })
            : JsonSerializer.Serialize(new Dictionary<string, object?> { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = result });
        return StandInServices.WriteAsync(context, 200, response);
    }

    public static BigInteger RoundFor(long answer) => (BigInteger.One << 64) * 2 + answer % 1000;

    private static string Words(params BigInteger[] values) => "0x" + string.Concat(values.Select(Word));

    private static string Word(BigInteger value)
    {
        var hex = (value < 0 ? (BigInteger.One << 256) + value : value).ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
        return hex.PadLeft(64, '0');
    }

    private static string AbiString(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var padded = Convert.ToHexString(bytes).ToLowerInvariant().PadRight((bytes.Length + 31) / 32 * 64, '0');
        return "0x" + Word(32) + Word(bytes.Length) + padded;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Swarm.DisposeAsync();
        await Outside.DisposeAsync();
    }
}
