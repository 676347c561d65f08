using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace Mindstack.MindSwarm.Crypto;

/// <summary>
/// Reads what a post's addresses are from the chain node tips use (<c>Mindstack:MindSwarm:Chain:RpcUrl</c>,
/// through Nethereum): <c>eth_chainId</c>, then per address <c>eth_getCode</c>; a wallet's
/// <c>eth_getBalance</c> and <c>eth_getTransactionCount</c>; a contract's ERC-20 answers
/// (<c>decimals</c>, <c>totalSupply</c>, <c>name</c>, <c>symbol</c>) and <c>owner()</c> by <c>eth_call</c>.
/// Source verification and wallet age come only from the configured Etherscan-compatible explorer
/// (<c>getsourcecode</c>, <c>txlist</c>). Nothing is estimated: what was not read is named as such.
/// </summary>
internal sealed class CryptoAnalyzer(IOptions<ChainOptions> options, IHttpClientFactory http, TimeProvider clock)
{
    private const string DeadAddress = "0x000000000000000000000000000000000000dead";
    private const string ZeroAddress = "0x0000000000000000000000000000000000000000";

    // 4-byte selectors of the functions read by eth_call.
    private const string NameSelector = "0x06fdde03";
    private const string SymbolSelector = "0x95d89b41";
    private const string DecimalsSelector = "0x313ce567";
    private const string TotalSupplySelector = "0x18160ddd";
    private const string OwnerSelector = "0x8da5cb5b";

    public static string NoNodeReason => $"no chain RPC configured ({ChainOptions.Section}:RpcUrl)";

    public static string NoExplorerStatus => $"explorer not configured ({ChainOptions.Section}:ExplorerUrl)";

    public const string HoneypotReason =
        "not checked: telling a honeypot needs a simulated sale through a DEX pool by a real holder, which reading the token over JSON-RPC cannot do honestly";

    /// <summary>The analysis of these references; a node that cannot be reached throws to retry, except on the last attempt (then <c>failed</c>).</summary>
    public async Task<CryptoAnalysisView> AnalyzeAsync(IReadOnlyList<CryptoReference> references, bool lastAttempt, CancellationToken ct)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var addresses = references.Select(r => r.Address).ToList();
        if (!settings.Configured)
        {
            return new CryptoAnalysisView { Status = "unavailable", Reason = NoNodeReason, Addresses = addresses, AnalyzedAt = now };
        }
        var client = http.CreateClient(EthereumChainVerifier.HttpClientName);
        client.Timeout = settings.Timeout;
        var web3 = new Web3(new RpcClient(new Uri(settings.RpcUrl!), client));
        try
        {
            var chainId = (long)(await web3.Eth.ChainId.SendRequestAsync()).Value;
            var network = NetworkOf(chainId);
            var tokens = new List<TokenAnalysisView>();
            var wallets = new List<WalletAnalysisView>();
            var contracts = new List<ContractAnalysisView>();
            var skipped = new List<SkippedAddressView>();
            foreach (var (reference, index) in references.Select((r, i) => (r, i)))
            {
                if (index >= CryptoReferences.MaxAddresses)
                {
                    skipped.Add(new SkippedAddressView(reference.Address, reference.Network,
                        $"at most {CryptoReferences.MaxAddresses} addresses are analysed per post"));
                    continue;
                }
                if (reference.Network is { } linked && linked != network)
                {
                    skipped.Add(new SkippedAddressView(reference.Address, linked,
                        $"the link is to {linked}; this server's node ({ChainOptions.Section}:RpcUrl) serves {network} (chain {chainId})"));
                    continue;
                }
                var code = await web3.Eth.GetCode.SendRequestAsync(reference.Address);
                var codeSize = CodeSize(code);
                if (codeSize == 0)
                {
                    wallets.Add(await WalletAsync(web3, reference.Address, network, now, ct));
                    continue;
                }
                var explorer = await ExplorerSourceAsync(reference.Address, ct);
                if (await TokenAsync(web3, reference.Address, network, codeSize, explorer) is { } token)
                {
                    tokens.Add(token);
                }
                else
                {
                    contracts.Add(Contract(reference.Address, network, codeSize, explorer));
                }
            }
            return new CryptoAnalysisView
            {
                Status = "analyzed",
                Network = network,
                ChainId = chainId,
                Addresses = addresses,
                Tokens = tokens,
                Wallets = wallets,
                Contracts = contracts,
                Skipped = skipped,
                AnalyzedAt = now,
            };
        }
        catch (Exception e) when (Unreachable(e, ct))
        {
            if (!lastAttempt)
            {
                throw;
            }
            return new CryptoAnalysisView
            {
                Status = "failed",
                Reason = "the chain node did not answer (" + e.GetType().Name + ")",
                Addresses = addresses,
                AnalyzedAt = now,
            };
        }
    }

    private async Task<WalletAnalysisView> WalletAsync(IWeb3 web3, string address, string network, DateTime now, CancellationToken ct)
    {
        var balance = (await web3.Eth.GetBalance.SendRequestAsync(address)).Value;
        var sent = (long)(await web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(address)).Value;
        var (age, ageReason) = await AgeAsync(address, now, ct);
        var flags = new List<RiskFlagView>();
        if (balance.IsZero && sent == 0)
        {
            flags.Add(new RiskFlagView("emptyAddress", "Empty address", "No balance and no transaction sent: a new or unused address"));
        }
        else if (sent == 0)
        {
            flags.Add(new RiskFlagView("neverSent", "Never sent", "Holds funds but has never sent a transaction"));
        }
        if (age is { Days: < 7 })
        {
            flags.Add(new RiskFlagView("newWallet", "New wallet", $"Its first transaction is {age.Days} day(s) old"));
        }
        return new WalletAnalysisView
        {
            Address = address,
            Network = network,
            Balance = Units(balance, 18),
            BalanceWei = balance.ToString(CultureInfo.InvariantCulture),
            Symbol = NativeSymbol(network),
            TransactionCount = sent,
            Age = age,
            AgeReason = ageReason,
            RiskFlags = flags,
        };
    }

    /// <summary>A token when the contract answers ERC-20's <c>decimals()</c> and <c>totalSupply()</c>; else null.</summary>
    private static async Task<TokenAnalysisView?> TokenAsync(IWeb3 web3, string address, string network, int codeSize, ExplorerSource explorer)
    {
        var decimals = Uint(await CallAsync(web3, address, DecimalsSelector));
        var supply = Uint(await CallAsync(web3, address, TotalSupplySelector));
        if (decimals is null || supply is null || decimals > 255)
        {
            return null;
        }
        var name = Text(await CallAsync(web3, address, NameSelector));
        var symbol = Text(await CallAsync(web3, address, SymbolSelector));
        var owner = Address(await CallAsync(web3, address, OwnerSelector));
        bool? renounced = owner is null ? null : owner is ZeroAddress or DeadAddress;

        var breakdown = new List<ScoreFactorView>();
        if (supply.Value.IsZero)
        {
            breakdown.Add(new ScoreFactorView("noSupply", -40, "totalSupply() is 0: nothing has been minted"));
        }
        if (renounced == false)
        {
            breakdown.Add(new ScoreFactorView("ownershipNotRenounced", -20, $"owner() is {owner}: an owner keeps control of the contract"));
        }
        if (explorer.Verified == false)
        {
            breakdown.Add(new ScoreFactorView("sourceNotVerified", -30, "the explorer has no verified source for this contract"));
        }
        if (explorer.Proxy == true)
        {
            breakdown.Add(new ScoreFactorView("upgradeableProxy", -15, "a proxy: its code can be replaced"));
        }
        foreach (var finding in explorer.Findings)
        {
            breakdown.Add(new ScoreFactorView(finding.Factor, finding.Points, finding.Detail));
        }
        var score = Math.Clamp(100 + breakdown.Sum(b => b.Points), 0, 100);
        // SAFE needs the explorer's word that the source is verified; without it the best is CAUTION.
        var rating = score >= 80 && explorer.Verified == true ? "SAFE" : score >= 50 ? "CAUTION" : "DANGER";
        var notChecked = new List<string>
        {
            "honeypot: " + HoneypotReason,
            "holder distribution: needs a token holder index, which a JSON-RPC node does not keep",
            "liquidity: needs DEX pool data",
        };
        if (explorer.Verified is null)
        {
            notChecked.Add("source verification and ABI findings: " + explorer.Status);
        }
        var decimalsValue = (int)decimals.Value;
        return new TokenAnalysisView
        {
            Address = address,
            Network = network,
            Name = name,
            Symbol = symbol,
            Decimals = decimalsValue,
            TotalSupply = supply.Value.ToString(CultureInfo.InvariantCulture),
            TotalSupplyFormatted = Units(supply.Value, decimalsValue),
            Owner = owner,
            OwnershipRenounced = renounced,
            CodeSize = codeSize,
            Verified = explorer.Verified,
            ContractName = explorer.ContractName,
            Proxy = explorer.Proxy,
            SecurityIssues = explorer.Issues,
            ExplorerStatus = explorer.Status,
            SafetyScore = score,
            Rating = rating,
            Breakdown = breakdown,
            Honeypot = null,
            HoneypotReason = HoneypotReason,
            NotChecked = notChecked,
        };
    }

    private static ContractAnalysisView Contract(string address, string network, int codeSize, ExplorerSource explorer)
    {
        var summary = new StringBuilder($"A contract with {codeSize} bytes of code");
        summary.Append(explorer.Verified switch
        {
            true => $"; source verified on the explorer as {explorer.ContractName ?? "unnamed"}"
                    + (explorer.CompilerVersion is { } compiler ? $" ({compiler})" : ""),
            false => "; its source is not verified on the explorer",
            null => "; source and security issues not checked: " + explorer.Status,
        });
        if (explorer.Proxy == true)
        {
            summary.Append("; an upgradeable proxy");
        }
        if (explorer.Issues is { Count: > 0 } issues)
        {
            summary.Append("; ").Append(issues.Count).Append(issues.Count == 1 ? " finding" : " findings");
        }
        return new ContractAnalysisView
        {
            Address = address,
            Network = network,
            CodeSize = codeSize,
            Verified = explorer.Verified,
            ContractName = explorer.ContractName,
            CompilerVersion = explorer.CompilerVersion,
            Proxy = explorer.Proxy,
            SecurityIssues = explorer.Issues,
            ExplorerStatus = explorer.Status,
            Summary = summary.Append('.').ToString(),
        };
    }

    /// <summary>What the explorer says of a contract's source; every field null when it is not configured or did not answer.</summary>
    private sealed record ExplorerSource(string Status, bool? Verified = null, string? ContractName = null, string? CompilerVersion = null,
        bool? Proxy = null, IReadOnlyList<string>? Issues = null)
    {
        public IReadOnlyList<ScoreFactorView> Findings { get; init; } = [];
    }

    private async Task<ExplorerSource> ExplorerSourceAsync(string address, CancellationToken ct)
    {
        if (!options.Value.ExplorerConfigured)
        {
            return new ExplorerSource(NoExplorerStatus);
        }
        var answer = await ExplorerAsync("module=contract&action=getsourcecode&address=" + address, ct);
        if (answer.Error is { } error)
        {
            return new ExplorerSource(error);
        }
        if (answer.Result.ValueKind != JsonValueKind.Array || answer.Result.GetArrayLength() == 0)
        {
            return new ExplorerSource("the explorer answered without a result");
        }
        var entry = answer.Result[0];
        var source = Field(entry, "SourceCode");
        var abi = Field(entry, "ABI");
        if (string.IsNullOrEmpty(source) || abi is null || !abi.TrimStart().StartsWith('['))
        {
            return new ExplorerSource("the explorer has no verified source", Verified: false, Issues: ["source not verified"]);
        }
        var findings = AbiFindings(abi);
        var proxy = Field(entry, "Proxy") == "1";
        var issues = findings.Select(f => f.Detail).ToList();
        if (proxy)
        {
            issues.Insert(0, "upgradeable proxy: its code can be replaced");
        }
        return new ExplorerSource("verified on the explorer", true, NullIfEmpty(Field(entry, "ContractName")), NullIfEmpty(Field(entry, "CompilerVersion")),
            proxy, issues)
        { Findings = findings };
    }

    /// <summary>What the verified ABI lets someone do to holders, with the points each takes off a token's score.</summary>
    internal static IReadOnlyList<ScoreFactorView> AbiFindings(string abi)
    {
        HashSet<string> functions;
        try
        {
            using var document = JsonDocument.Parse(abi);
            functions = document.RootElement.EnumerateArray()
                .Where(e => e.ValueKind == JsonValueKind.Object && Field(e, "type") == "function" && Field(e, "name") is not null)
                .Select(e => Field(e, "name")!.ToLowerInvariant())
                .ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return [];
        }
        var findings = new List<ScoreFactorView>();
        if (functions.Any(f => f is "mint" or "mintto" or "mintfor"))
        {
            findings.Add(new ScoreFactorView("mintable", -10, "has a mint function: the supply can be increased"));
        }
        if (functions.Any(f => f.Contains("blacklist", StringComparison.Ordinal) || f.Contains("blocklist", StringComparison.Ordinal)
                               || f is "setbots" or "addbots" or "setbot"))
        {
            findings.Add(new ScoreFactorView("blacklist", -15, "can blacklist addresses: their transfers can be blocked"));
        }
        if (functions.Contains("pause"))
        {
            findings.Add(new ScoreFactorView("pausable", -10, "has pause(): transfers can be stopped"));
        }
        if (functions.Any(f => (f.StartsWith("set", StringComparison.Ordinal) || f.StartsWith("update", StringComparison.Ordinal))
                               && (f.Contains("fee", StringComparison.Ordinal) || f.Contains("tax", StringComparison.Ordinal))))
        {
            findings.Add(new ScoreFactorView("changeableFees", -10, "fees or taxes can be changed after launch"));
        }
        return findings;
    }

    /// <summary>The wallet's first transaction, from the explorer (<c>txlist</c>, oldest first); else why it is unknown.</summary>
    private async Task<(WalletAgeView? Age, string? Reason)> AgeAsync(string address, DateTime now, CancellationToken ct)
    {
        if (!options.Value.ExplorerConfigured)
        {
            return (null, NoExplorerStatus);
        }
        var answer = await ExplorerAsync($"module=account&action=txlist&address={address}&startblock=0&endblock=999999999&page=1&offset=1&sort=asc", ct);
        if (answer.Error is { } error)
        {
            return (null, error);
        }
        if (answer.Result.ValueKind != JsonValueKind.Array || answer.Result.GetArrayLength() == 0)
        {
            return (null, "the explorer lists no transaction of this address");
        }
        if (!long.TryParse(Field(answer.Result[0], "timeStamp"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds <= 0 || seconds > 253402300799)
        {
            return (null, "the explorer's first transaction has no readable time");
        }
        var first = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
        return (new WalletAgeView(first, Math.Max(0, (int)(now - first).TotalDays)), null);
    }

    private sealed record ExplorerAnswer(JsonElement Result, string? Error);

    /// <summary>
    /// One explorer call. Etherscan answers <c>{status, message, result}</c>; "no transactions found"
    /// is an empty result, any other <c>status: "0"</c> an error carrying its own words.
    /// </summary>
    private async Task<ExplorerAnswer> ExplorerAsync(string query, CancellationToken ct)
    {
        var settings = options.Value;
        var url = settings.ExplorerUrl!.Trim();
        var full = url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query
                   + (string.IsNullOrWhiteSpace(settings.ExplorerApiKey) ? "" : "&apikey=" + Uri.EscapeDataString(settings.ExplorerApiKey.Trim()));
        var client = http.CreateClient(EthereumChainVerifier.HttpClientName);
        client.Timeout = settings.Timeout;
        try
        {
            using var response = await client.GetAsync(new Uri(full), ct);
            if (!response.IsSuccessStatusCode)
            {
                return new ExplorerAnswer(default, $"the explorer answered {(int)response.StatusCode}");
            }
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: ct);
            var root = document.RootElement;
            var result = root.TryGetProperty("result", out var r) ? r.Clone() : default;
            if (Field(root, "status") == "0" && result.ValueKind != JsonValueKind.Array)
            {
                var words = result.ValueKind == JsonValueKind.String ? result.GetString() : Field(root, "message");
                return new ExplorerAnswer(default, "the explorer refused: " + (words ?? "no reason given"));
            }
            return new ExplorerAnswer(result, null);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new ExplorerAnswer(default, "the explorer could not be reached");
        }
    }

    /// <summary>The raw answer of an <c>eth_call</c>, or null when the contract reverts or has no such function.</summary>
    private static async Task<string?> CallAsync(IWeb3 web3, string address, string selector)
    {
        try
        {
            var answer = await web3.Eth.Transactions.Call.SendRequestAsync(new CallInput(selector, address), BlockParameter.CreateLatest());
            return answer is { Length: >= 66 } ? answer : null;
        }
        catch (RpcResponseException)
        {
            return null;
        }
    }

    private static bool Unreachable(Exception e, CancellationToken ct) =>
        e is RpcClientUnknownException or RpcClientTimeoutException or RpcResponseException or HttpRequestException
        || (e is TaskCanceledException && !ct.IsCancellationRequested);

    private static int CodeSize(string? code) => code is null || code.Length <= 2 ? 0 : (code.Length - 2) / 2;

    private static string? Word(string hex, int index)
    {
        var start = 2 + (index * 64);
        return hex.Length >= start + 64 ? hex.Substring(start, 64) : null;
    }

    private static BigInteger? Uint(string? hex) =>
        hex is null || Word(hex, 0) is not { } word ? null : BigInteger.Parse("0" + word, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static string? Address(string? hex) => hex is null || Word(hex, 0) is not { } word ? null : "0x" + word[24..].ToLowerInvariant();

    /// <summary>An ABI <c>string</c>, or a <c>bytes32</c> (older tokens name themselves so); null when it is neither.</summary>
    private static string? Text(string? hex)
    {
        if (hex is null)
        {
            return null;
        }
        try
        {
            var bytes = Convert.FromHexString(hex[2..]);
            if (bytes.Length >= 64 && new BigInteger(bytes.AsSpan(0, 32), isUnsigned: true, isBigEndian: true) == 32)
            {
                var length = new BigInteger(bytes.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
                if (length <= bytes.Length - 64)
                {
                    return Clean(Encoding.UTF8.GetString(bytes, 64, (int)length));
                }
            }
            return Clean(Encoding.UTF8.GetString(bytes, 0, 32).TrimEnd('\0'));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? Clean(string text)
    {
        var cleaned = new string(text.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return cleaned.Length == 0 ? null : cleaned.Length > 100 ? cleaned[..100] : cleaned;
    }

    /// <summary><paramref name="value"/> over 10^<paramref name="decimals"/>, as a decimal string without trailing zeros.</summary>
    internal static string Units(BigInteger value, int decimals)
    {
        if (decimals == 0)
        {
            return value.ToString(CultureInfo.InvariantCulture);
        }
        var scale = BigInteger.Pow(10, decimals);
        var whole = BigInteger.DivRem(value, scale, out var rest);
        var fraction = rest.ToString(CultureInfo.InvariantCulture).PadLeft(decimals, '0').TrimEnd('0');
        return fraction.Length == 0 ? whole.ToString(CultureInfo.InvariantCulture) : $"{whole.ToString(CultureInfo.InvariantCulture)}.{fraction}";
    }

    private static string? Field(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    /// <summary>The name explorer links use for a chain id (so a link to another network than the node's is told apart).</summary>
    internal static string NetworkOf(long chainId) => chainId switch
    {
        1 => "ethereum",
        10 => "optimism",
        56 => "bsc",
        97 => "bsc-testnet",
        137 => "polygon",
        250 => "fantom",
        8453 => "base",
        17000 => "holesky",
        42161 => "arbitrum",
        43114 => "avalanche",
        11155111 => "sepolia",
        _ => "chain-" + chainId.ToString(CultureInfo.InvariantCulture),
    };

    private static string NativeSymbol(string network) => network switch
    {
        "bsc" or "bsc-testnet" => "BNB",
        "polygon" => "POL",
        "avalanche" => "AVAX",
        "fantom" => "FTM",
        "ethereum" or "optimism" or "base" or "arbitrum" or "sepolia" or "holesky" => "ETH",
        _ => "native",
    };
}
