using System.Globalization;
using System.Numerics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Outside;
using Mindstack.Platform.Storage;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Newtonsoft.Json.Linq;

namespace Mindstack.MindSwarm.Crypto;

/// <summary>
/// <c>Mindstack:MindSwarm:Chain:*</c>: the Ethereum JSON-RPC node payments are checked against —
/// <c>RpcUrl</c> (verification is off without it: payments stay <c>pending</c>),
/// <c>MinConfirmations</c> (default 1) and <c>Timeout</c>; <c>ExplorerUrl</c>/<c>ExplorerApiKey</c>, an
/// Etherscan-compatible API for the same chain, which post crypto analysis asks for source verification and wallet age.
/// </summary>
public sealed class ChainOptions
{
    public const string Section = "Mindstack:MindSwarm:Chain";

    public string? RpcUrl { get; set; }
    public int MinConfirmations { get; set; } = 1;
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>An Etherscan-compatible API endpoint (e.g. <c>https://api.etherscan.io/v2/api?chainid=1</c>); its query is kept.</summary>
    public string? ExplorerUrl { get; set; }

    /// <summary>Sent as <c>apikey</c> to <see cref="ExplorerUrl"/>.</summary>
    public string? ExplorerApiKey { get; set; }

    internal bool Configured => !string.IsNullOrWhiteSpace(RpcUrl);

    internal bool ExplorerConfigured => !string.IsNullOrWhiteSpace(ExplorerUrl);
}

internal sealed class ChainOptionsValidator : IValidateOptions<ChainOptions>
{
    public ValidateOptionsResult Validate(string? name, ChainOptions options)
    {
        var failures = new List<string>();
        if (OutsideService.CheckUrl(ChainOptions.Section + ":RpcUrl", options.RpcUrl) is { } bad)
        {
            failures.Add(bad);
        }
        if (OutsideService.CheckUrl(ChainOptions.Section + ":ExplorerUrl", options.ExplorerUrl) is { } badExplorer)
        {
            failures.Add(badExplorer);
        }
        if (options.MinConfirmations < 1)
        {
            failures.Add($"{ChainOptions.Section}:MinConfirmations must be at least 1");
        }
        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"{ChainOptions.Section}:Timeout must be more than zero");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// A payment to check: <paramref name="MinimumAmount"/> in the smallest unit (wei for ether),
/// to <paramref name="Recipient"/>; with <paramref name="TokenContract"/> an ERC-20 transfer of that token, else ether.
/// </summary>
public sealed record ChainPayment(string TxHash, string Recipient, BigInteger MinimumAmount, string? TokenContract = null);

public enum ChainVerdict
{
    /// <summary>Mined, succeeded, confirmed, to the recipient, for at least the amount.</summary>
    Verified,
    /// <summary>Not decided yet (not mined, not confirmed, or no node configured): ask again later.</summary>
    Pending,
    /// <summary>Decided against: reverted, wrong recipient, too little, or no such transaction in a mined block.</summary>
    Failed,
}

public sealed record ChainVerification(ChainVerdict Verdict, string Reason, string? From = null, BigInteger? Amount = null, long? BlockNumber = null);

/// <summary>Checks on-chain payments (boosts; tips and ads reuse it).</summary>
public interface IChainVerifier
{
    /// <summary>Whether a node is configured; when not, every verification is <see cref="ChainVerdict.Pending"/> with the reason.</summary>
    bool Configured { get; }

    Task<ChainVerification> VerifyAsync(ChainPayment payment, CancellationToken cancellationToken);
}

/// <summary>
/// Ethereum over JSON-RPC with Nethereum: <c>eth_getTransactionReceipt</c> (mined? succeeded?
/// ERC-20 <c>Transfer</c> logs), <c>eth_getTransactionByHash</c> (recipient and ether value) and
/// <c>eth_blockNumber</c> (confirmations).
/// </summary>
internal sealed class EthereumChainVerifier(IOptions<ChainOptions> options, IHttpClientFactory http) : IChainVerifier
{
    public const string HttpClientName = "mindswarm-chain";
    private const string TransferTopic = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

    public bool Configured => options.Value.Configured;

    public static string NotConfiguredReason =>
        $"Awaiting verification: on-chain verification is not configured on this server (the operator sets {ChainOptions.Section}:RpcUrl)";

    public async Task<ChainVerification> VerifyAsync(ChainPayment payment, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Configured)
        {
            return new ChainVerification(ChainVerdict.Pending, NotConfiguredReason);
        }
        var client = http.CreateClient(HttpClientName);
        client.Timeout = settings.Timeout;
        var web3 = new Web3(new RpcClient(new Uri(settings.RpcUrl!), client));
        try
        {
            var receipt = await web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(payment.TxHash);
            if (receipt is null)
            {
                return new ChainVerification(ChainVerdict.Pending, "The transaction is not mined yet");
            }
            var block = (long)receipt.BlockNumber.Value;
            if (receipt.Status?.Value == BigInteger.Zero)
            {
                return new ChainVerification(ChainVerdict.Failed, "The transaction failed on chain (reverted)", receipt.From, BlockNumber: block);
            }
            var head = (long)(await web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;
            var confirmations = head - block + 1;
            if (confirmations < settings.MinConfirmations)
            {
                return new ChainVerification(ChainVerdict.Pending,
                    $"{Math.Max(0, confirmations)} of {settings.MinConfirmations} confirmations so far", receipt.From, BlockNumber: block);
            }
            BigInteger amount;
            if (payment.TokenContract is { } token)
            {
                var logs = receipt.Logs is null ? [] : JToken.FromObject(receipt.Logs).ToObject<FilterLog[]>() ?? [];
                amount = logs
                    .Where(l => string.Equals(l.Address, token, StringComparison.OrdinalIgnoreCase)
                        && l.Topics is { Length: 3 }
                        && string.Equals(l.Topics[0]?.ToString(), TransferTopic, StringComparison.OrdinalIgnoreCase)
                        && SameAddress(TopicAddress(l.Topics[2]?.ToString()), payment.Recipient))
                    .Aggregate(BigInteger.Zero, (sum, l) => sum + ParseHex(l.Data));
                if (amount.IsZero)
                {
                    return new ChainVerification(ChainVerdict.Failed, "The transaction moves none of the token to the recipient", receipt.From,
                        BlockNumber: block);
                }
            }
            else
            {
                var transaction = await web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(payment.TxHash);
                if (transaction is null)
                {
                    return new ChainVerification(ChainVerdict.Failed, "The node does not know the transaction", BlockNumber: block);
                }
                if (!SameAddress(transaction.To, payment.Recipient))
                {
                    return new ChainVerification(ChainVerdict.Failed, "The transaction pays a different address than the recipient", transaction.From,
                        transaction.Value?.Value, block);
                }
                amount = transaction.Value?.Value ?? BigInteger.Zero;
            }
            return amount < payment.MinimumAmount
                ? new ChainVerification(ChainVerdict.Failed, "The transaction pays less than the amount", receipt.From, amount, block)
                : new ChainVerification(ChainVerdict.Verified, "Verified on chain", receipt.From, amount, block);
        }
        catch (Exception e) when (e is RpcClientUnknownException or RpcClientTimeoutException or RpcResponseException or HttpRequestException
                                      or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new ChainVerification(ChainVerdict.Pending, "The blockchain node could not be reached; verification will be retried");
        }
    }

    private static bool SameAddress(string? a, string? b) => a is not null && b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>An address in a 32-byte topic (its last 20 bytes).</summary>
    private static string? TopicAddress(string? topic) => topic is { Length: 66 } ? "0x" + topic[26..] : null;

    private static BigInteger ParseHex(string? hex) =>
        string.IsNullOrEmpty(hex) || hex.Length <= 2
            ? BigInteger.Zero
            : BigInteger.Parse("0" + hex[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}

/// <summary>
/// A transaction hash spent on something (a boost, a tip, an ad): one payment pays for one thing
/// only. Insert-first on the hash (lower-case), shared by every feature that takes payments.
/// </summary>
internal sealed class UsedTransactionRow
{
    public required string TxHash { get; set; }
    /// <summary><c>boost</c>, <c>tip</c>, <c>ad</c>.</summary>
    public required string Purpose { get; set; }
    public required string ReferenceId { get; set; }
    public required string AccountId { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class UsedTransactionModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<UsedTransactionRow>(e =>
        {
            e.ToTable("mindswarm_used_transactions");
            e.HasKey(x => x.TxHash);
        });
}

internal sealed class UsedTransactionMigration : SchemaMigration
{
    public override string Id => "2026120611_mindswarm_used_transactions";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider) =>
        migration.CreateTable(
            name: "mindswarm_used_transactions",
            columns: t => new
            {
                tx_hash = t.Column<string>(maxLength: 80),
                purpose = t.Column<string>(maxLength: 16),
                reference_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_used_transactions", x => x.tx_hash));
}

/// <summary>Transaction hashes claimed by payments, once each across boosts, tips and ads.</summary>
internal sealed class UsedTransactions(MindstackDbContext db, TimeProvider clock)
{
    public static string Normalize(string txHash) => txHash.Trim().ToLowerInvariant();

    public Task<bool> IsClaimedAsync(string txHash, CancellationToken ct)
    {
        var hash = Normalize(txHash);
        return db.Set<UsedTransactionRow>().AnyAsync(r => r.TxHash == hash, ct);
    }

    /// <summary>
    /// Adds the claim to the unit of work: saved with the payment's own row, its primary key makes a
    /// second claim of the same hash fail (insert-first), whatever node or request makes it.
    /// </summary>
    public void Claim(string txHash, string purpose, string referenceId, string accountId) =>
        db.Add(new UsedTransactionRow
        {
            TxHash = Normalize(txHash),
            Purpose = purpose,
            ReferenceId = referenceId,
            AccountId = accountId,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        });
}
