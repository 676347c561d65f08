using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Numerics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Mindstack.MindSwarm.Tests.Connected;

/// <summary>
/// The outside world of MindSwarm's connected features, served on loopback by one receiver that
/// routes by path (Giphy, an OpenAI-compatible images API, a Piston sandbox, an Ethereum JSON-RPC
/// node, web pages, a video gateway), and a MindSwarm server configured to use it.
/// </summary>
public sealed class StandInServices : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Func<HttpContext, ReceivedRequest, Task>> _routes = new(StringComparer.Ordinal);

    public StandInServices()
    {
        Outside = new LoopbackReceiver { Respond = RouteAsync };
        On("/rpc", RpcAsync);
        On("/explorer", ExplorerAsync);
        Swarm = new MindSwarmFactory();
        Swarm.WithSetting("Mindstack:MindSwarm:Giphy:ApiKey", "giphy-test-key");
        Swarm.WithSetting("Mindstack:MindSwarm:Giphy:BaseUrl", Outside.Url("/giphy"));
        Swarm.WithSetting("Mindstack:MindSwarm:ImageGeneration:BaseUrl", Outside.Url("/openai"));
        Swarm.WithSetting("Mindstack:MindSwarm:ImageGeneration:ApiKey", "sk-test");
        Swarm.WithSetting("Mindstack:MindSwarm:ImageGeneration:Model", "test-image-model");
        Swarm.WithSetting("Mindstack:MindSwarm:Sandbox:BaseUrl", Outside.Url("/piston"));
        Swarm.WithSetting("Mindstack:MindSwarm:Chain:RpcUrl", Outside.Url("/rpc"));
        Swarm.WithSetting("Mindstack:MindSwarm:Chain:ExplorerUrl", Outside.Url("/explorer/api?chainid=1"));
        Swarm.WithSetting("Mindstack:MindSwarm:Chain:ExplorerApiKey", ExplorerKey);
        Swarm.WithSetting("Mindstack:MindSwarm:Boosts:RecipientAddress", BoostRecipient);
        Swarm.WithSetting("Mindstack:MindSwarm:Boosts:RecheckInterval", "00:00:01");
        Swarm.WithSetting("Mindstack:MindSwarm:Ads:PaymentAddress", AdRecipient);
        Swarm.WithSetting("Mindstack:MindSwarm:Ads:DailyRates:eth", "0.005");
        Swarm.WithSetting("Mindstack:MindSwarm:Tokens:Contracts:usdc", UsdcContract);
        Swarm.WithSetting("Mindstack:MindSwarm:VideoDownloads:GatewayUrl", Outside.Url("/gateway"));
        Swarm.WithSetting("Mindstack:MindSwarm:VideoDownloads:ApiKey", "gateway-key");
        // Link previews go through the SSRF guard; the stand-in page is on loopback.
        Swarm.WithSetting("Mindstack:Webhooks:AllowPrivateTargets", "true");
    }

    /// <summary>Where boost payments must go.</summary>
    public const string BoostRecipient = "0x1111111111111111111111111111111111111111";

    /// <summary>Where ad payments must go.</summary>
    public const string AdRecipient = "0x4444444444444444444444444444444444444444";

    /// <summary>The USDC contract on the stand-in chain.</summary>
    public const string UsdcContract = "0x5555555555555555555555555555555555555555";

    /// <summary>The key the explorer stand-in expects.</summary>
    public const string ExplorerKey = "explorer-test-key";

    public LoopbackReceiver Outside { get; }

    /// <summary>Accounts on the stand-in chain by address: balance, nonce, code and the <c>eth_call</c> answers of a contract.</summary>
    public ConcurrentDictionary<string, ChainAccount> Accounts { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Contracts whose source the explorer stand-in has verified, by address; any other is unverified.</summary>
    public ConcurrentDictionary<string, VerifiedSource> Sources { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The chain id the JSON-RPC stand-in reports.</summary>
    public long ChainId { get; set; } = 1;

    /// <summary>The transactions the JSON-RPC stand-in knows, by hash (lower case).</summary>
    public ConcurrentDictionary<string, ChainTransaction> Chain { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The head block the JSON-RPC stand-in reports.</summary>
    public long HeadBlock { get; set; } = 100;

    public MindSwarmFactory Swarm { get; }

    /// <summary>Answers requests whose path starts with <paramref name="prefix"/>.</summary>
    public void On(string prefix, Func<HttpContext, ReceivedRequest, Task> respond) => _routes[prefix] = respond;

    public static string NewTxHash() => "0x" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();

    public static string NewAddress() => "0x" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();

    /// <summary>
    /// An Ethereum node as Nethereum speaks to it: eth_getTransactionReceipt, eth_getTransactionByHash,
    /// eth_blockNumber, eth_chainId, eth_getCode, eth_getBalance, eth_getTransactionCount and eth_call
    /// (a selector the contract does not answer reverts).
    /// </summary>
    private Task RpcAsync(HttpContext context, ReceivedRequest request)
    {
        var call = request.Json;
        var id = call.GetProperty("id");
        var method = call.GetProperty("method").GetString();
        var p = call.TryGetProperty("params", out var given) && given.ValueKind == JsonValueKind.Array && given.GetArrayLength() > 0 ? given[0] : default;
        var hash = p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        Chain.TryGetValue(hash ?? "", out var tx);
        Accounts.TryGetValue(hash ?? "", out var account);
        if (method == "eth_call")
        {
            var to = p.GetProperty("to").GetString() ?? "";
            var data = (p.TryGetProperty("data", out var d) ? d : p.GetProperty("input")).GetString() ?? "";
            var answer = Accounts.TryGetValue(to, out var contract) && contract.Calls is { } calls && data.Length >= 10
                && calls.TryGetValue(data[..10].ToLowerInvariant(), out var found) ? found : null;
            return WriteAsync(context, 200, JsonSerializer.Serialize(answer is null
                ? new Dictionary<string, object?> { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = new { code = 3, message = "execution reverted" } }
                : new Dictionary<string, object?> { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = answer }));
        }
        object? result = method switch
        {
            "eth_blockNumber" => Hex(HeadBlock),
            "eth_chainId" => Hex(ChainId),
            "eth_getCode" => account?.Code ?? "0x",
            "eth_getBalance" => "0x" + (account?.Balance ?? BigInteger.Zero).ToString("x", System.Globalization.CultureInfo.InvariantCulture).TrimStart('0').PadLeft(1, '0'),
            "eth_getTransactionCount" => Hex(account?.Nonce ?? 0),
            "eth_getTransactionReceipt" when tx is { Mined: true } => new Dictionary<string, object?>
            {
                ["transactionHash"] = hash,
                ["transactionIndex"] = "0x0",
                ["blockHash"] = "0x" + new string('b', 64),
                ["blockNumber"] = Hex(tx.Block),
                ["from"] = tx.From,
                ["to"] = tx.To,
                ["cumulativeGasUsed"] = "0x5208",
                ["gasUsed"] = "0x5208",
                ["effectiveGasPrice"] = "0x3b9aca00",
                ["contractAddress"] = null,
                ["logs"] = tx.Token is null ? Array.Empty<object>() : new object[] { TransferLog(hash!, tx) },
                ["logsBloom"] = "0x" + new string('0', 512),
                ["status"] = tx.Succeeded ? "0x1" : "0x0",
                ["type"] = "0x2",
            },
            "eth_getTransactionByHash" when tx is not null => new Dictionary<string, object?>
            {
                ["hash"] = hash,
                ["nonce"] = "0x1",
                ["blockHash"] = tx.Mined ? "0x" + new string('b', 64) : null,
                ["blockNumber"] = tx.Mined ? Hex(tx.Block) : null,
                ["transactionIndex"] = tx.Mined ? "0x0" : null,
                ["from"] = tx.From,
                ["to"] = tx.Token ?? tx.To,
                ["value"] = tx.Token is not null ? "0x0" : "0x" + tx.ValueWei.ToString("x", System.Globalization.CultureInfo.InvariantCulture).TrimStart('0').PadLeft(1, '0'),
                ["gas"] = "0x5208",
                ["gasPrice"] = "0x3b9aca00",
                ["input"] = "0x",
                ["type"] = "0x2",
                ["chainId"] = "0x1",
            },
            _ => null,
        };
        return WriteAsync(context, 200, JsonSerializer.Serialize(new Dictionary<string, object?> { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = result }));
    }

    /// <summary>
    /// An Etherscan-compatible API: <c>getsourcecode</c> (verified for <see cref="Sources"/>, else
    /// Etherscan's "not verified" answer) and <c>txlist</c> (an account's first transaction); a wrong key is refused as Etherscan does.
    /// </summary>
    private Task ExplorerAsync(HttpContext context, ReceivedRequest request)
    {
        var query = context.Request.Query;
        if (query["apikey"] != ExplorerKey)
        {
            return WriteAsync(context, 200, """{"status":"0","message":"NOTOK","result":"Invalid API Key"}""");
        }
        var address = query["address"].ToString();
        object body = (query["module"].ToString(), query["action"].ToString()) switch
        {
            ("contract", "getsourcecode") when Sources.TryGetValue(address, out var source) => new
            {
                status = "1",
                message = "OK",
                result = new[]
                {
                    new Dictionary<string, string>
                    {
                        ["SourceCode"] = "contract " + source.ContractName + " { }",
                        ["ABI"] = JsonSerializer.Serialize(source.Functions.Select(f => new { type = "function", name = f, inputs = Array.Empty<object>() })),
                        ["ContractName"] = source.ContractName,
                        ["CompilerVersion"] = "v0.8.20+commit.a1b79de6",
                        ["Proxy"] = source.Proxy ? "1" : "0",
                        ["Implementation"] = "",
                    },
                },
            },
            ("contract", "getsourcecode") => new
            {
                status = "1",
                message = "OK",
                result = new[]
                {
                    new Dictionary<string, string>
                    {
                        ["SourceCode"] = "", ["ABI"] = "Contract source code not verified", ["ContractName"] = "", ["CompilerVersion"] = "", ["Proxy"] = "0",
                        ["Implementation"] = "",
                    },
                },
            },
            ("account", "txlist") when Accounts.TryGetValue(address, out var known) && known.FirstTransactionAt is { } first => new
            {
                status = "1",
                message = "OK",
                result = new[] { new { timeStamp = new DateTimeOffset(first).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) } },
            },
            ("account", "txlist") => new { status = "0", message = "No transactions found", result = Array.Empty<object>() },
            _ => new { status = "0", message = "NOTOK", result = "Unknown action" },
        };
        return WriteAsync(context, 200, JsonSerializer.Serialize(body));
    }

    /// <summary>An ERC-20 <c>Transfer(from, to, value)</c> log of the transaction's token.</summary>
    private static Dictionary<string, object?> TransferLog(string hash, ChainTransaction tx) => new()
    {
        ["address"] = tx.Token,
        ["topics"] = new[]
        {
            "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
            "0x" + new string('0', 24) + tx.From[2..].ToLowerInvariant(),
            "0x" + new string('0', 24) + tx.To[2..].ToLowerInvariant(),
        },
        ["data"] = "0x" + tx.ValueWei.ToString("x64", System.Globalization.CultureInfo.InvariantCulture)[^64..],
        ["blockNumber"] = Hex(tx.Block),
        ["transactionHash"] = hash,
        ["transactionIndex"] = "0x0",
        ["blockHash"] = "0x" + new string('b', 64),
        ["logIndex"] = "0x0",
        ["removed"] = false,
    };

    private static string Hex(long value) => "0x" + value.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    public static async Task WriteAsync(HttpContext context, int status, string body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body);
    }

    private Task RouteAsync(HttpContext context, ReceivedRequest request)
    {
        var route = _routes.Where(r => request.Path.StartsWith(r.Key, StringComparison.Ordinal)).OrderByDescending(r => r.Key.Length).FirstOrDefault();
        return route.Value is { } respond ? respond(context, request) : WriteAsync(context, 404, "{\"error\":\"no stand-in here\"}");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Swarm.DisposeAsync();
        await Outside.DisposeAsync();
    }
}

internal static class Multipart
{
    /// <summary>POSTs one file as <c>multipart/form-data</c>.</summary>
    public static async Task<HttpResponseMessage> UploadAsync(MindSwarmFactory factory, SwarmClient user, string path, string field, string name,
        string contentType, byte[] bytes)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mindswarm" + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Content = new MultipartFormDataContent { { part, field, name } };
        return await client.SendAsync(request);
    }

    public static async Task<byte[]> FetchAsync(MindSwarmFactory factory, string url, System.Net.HttpStatusCode status = System.Net.HttpStatusCode.OK)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(Uri.TryCreate(url, UriKind.Absolute, out var absolute) ? absolute.PathAndQuery : url);
        Assert.Equal(status, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }
}

/// <summary>An account on the stand-in chain; a contract has <see cref="Code"/> and answers <see cref="Calls"/> (4-byte selector → ABI-encoded result).</summary>
public sealed record ChainAccount(BigInteger Balance, long Nonce = 0, string Code = "0x", IReadOnlyDictionary<string, string>? Calls = null,
    DateTime? FirstTransactionAt = null);

/// <summary>A contract the explorer stand-in has verified: its name, ABI function names and whether it is a proxy.</summary>
public sealed record VerifiedSource(string ContractName, IReadOnlyList<string> Functions, bool Proxy = false);

/// <summary>A transaction on the stand-in chain; with <see cref="Token"/> an ERC-20 transfer of that contract's token to <see cref="To"/>.</summary>
public sealed record ChainTransaction(string From, string To, BigInteger ValueWei, long Block, bool Mined = true, bool Succeeded = true,
    string? Token = null);
