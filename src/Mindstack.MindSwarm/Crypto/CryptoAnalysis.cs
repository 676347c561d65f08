using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Crypto;

/// <summary>An address named in a post: bare, or in a block-explorer link that says its network and whether it is a token page.</summary>
internal sealed record CryptoReference(string Address, string? Network, bool TokenLink);

/// <summary>
/// Finds what post crypto analysis looks at: <c>0x</c> addresses (40 hex digits, not part of a
/// longer hex string such as a transaction hash) and block-explorer links (<c>/address/</c>,
/// <c>/token/</c>) of the Etherscan family, at most <see cref="MaxAddresses"/> distinct ones per post.
/// </summary>
internal static partial class CryptoReferences
{
    public const int MaxAddresses = 3;

    [GeneratedRegex(@"(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?![0-9A-Za-z])")]
    private static partial Regex AddressPattern();

    [GeneratedRegex(@"https?://(?<host>(?:[a-z0-9-]+\.)*(?:etherscan\.io|bscscan\.com|polygonscan\.com|basescan\.org|arbiscan\.io|snowtrace\.io|ftmscan\.com))/(?<kind>address|token)/(?<address>0x[0-9a-f]{40})(?![0-9a-z])",
        RegexOptions.IgnoreCase)]
    private static partial Regex ExplorerLinkPattern();

    /// <summary>Explorer hosts and the network each shows (a subdomain names a testnet or an L2).</summary>
    private static readonly Dictionary<string, string> ExplorerNetworks = new(StringComparer.OrdinalIgnoreCase)
    {
        ["etherscan.io"] = "ethereum",
        ["sepolia.etherscan.io"] = "sepolia",
        ["holesky.etherscan.io"] = "holesky",
        ["optimistic.etherscan.io"] = "optimism",
        ["bscscan.com"] = "bsc",
        ["testnet.bscscan.com"] = "bsc-testnet",
        ["polygonscan.com"] = "polygon",
        ["basescan.org"] = "base",
        ["arbiscan.io"] = "arbitrum",
        ["snowtrace.io"] = "avalanche",
        ["ftmscan.com"] = "fantom",
    };

    /// <summary>Whether the text may name an address (a cheap test before the expressions, on every post written).</summary>
    public static bool MayContain(string content) => content.Contains("0x", StringComparison.OrdinalIgnoreCase);

    /// <summary>The distinct addresses (lower case) in order of appearance, a link's network winning over a bare mention.</summary>
    public static IReadOnlyList<CryptoReference> Find(string content)
    {
        if (!MayContain(content))
        {
            return [];
        }
        var found = new List<(int At, CryptoReference Reference)>();
        foreach (Match link in ExplorerLinkPattern().Matches(content))
        {
            var host = link.Groups["host"].Value.ToLowerInvariant();
            if (host.StartsWith("www.", StringComparison.Ordinal))
            {
                host = host[4..];
            }
            // An unknown subdomain of a known explorer (a testnet we do not name) is left unnamed rather than guessed.
            var network = ExplorerNetworks.GetValueOrDefault(host) ?? "unknown:" + host;
            found.Add((link.Index, new CryptoReference(link.Groups["address"].Value.ToLowerInvariant(), network,
                link.Groups["kind"].Value.Equals("token", StringComparison.OrdinalIgnoreCase))));
        }
        foreach (Match bare in AddressPattern().Matches(content))
        {
            found.Add((bare.Index, new CryptoReference(bare.Value.ToLowerInvariant(), null, false)));
        }
        var result = new List<CryptoReference>();
        foreach (var (_, reference) in found.OrderBy(f => f.At))
        {
            var index = result.FindIndex(r => r.Address == reference.Address);
            if (index < 0)
            {
                result.Add(reference);
            }
            else if (result[index].Network is null && reference.Network is not null)
            {
                result[index] = reference;
            }
        }
        return result;
    }

    /// <summary>The set a post's analysis depends on, to tell whether an edit changed it.</summary>
    public static string Key(string content) =>
        string.Join(",", Find(content).Select(r => r.Address + "@" + r.Network + (r.TokenLink ? "#token" : "")));
}

/// <summary>
/// A post's <c>cryptoAnalysis</c>. <see cref="Status"/>: <c>analyzed</c> (facts read from the chain
/// node), <c>unavailable</c> (no node configured: nothing was read, <see cref="Reason"/> says why) or
/// <c>failed</c> (the node did not answer, after retries).
/// </summary>
internal sealed record CryptoAnalysisView
{
    public required string Status { get; init; }
    public string? Reason { get; init; }
    /// <summary>The network of the configured node (by its <c>eth_chainId</c>), where the addresses were read.</summary>
    public string? Network { get; init; }
    public long? ChainId { get; init; }
    /// <summary>Every address the post names (lower case), analysed or not.</summary>
    public required IReadOnlyList<string> Addresses { get; init; }
    public IReadOnlyList<TokenAnalysisView> Tokens { get; init; } = [];
    public IReadOnlyList<WalletAnalysisView> Wallets { get; init; } = [];
    public IReadOnlyList<ContractAnalysisView> Contracts { get; init; } = [];
    /// <summary>Addresses not analysed, each with the reason (another network than the node's, over the per-post limit).</summary>
    public IReadOnlyList<SkippedAddressView> Skipped { get; init; } = [];
    public DateTime AnalyzedAt { get; init; }
}

/// <summary>An ERC-20 token: what its contract answered, the explorer's word, and a safety score computed from those facts only.</summary>
internal sealed record TokenAnalysisView
{
    public required string Address { get; init; }
    public required string Network { get; init; }
    public string? Name { get; init; }
    public string? Symbol { get; init; }
    public int Decimals { get; init; }
    /// <summary>In the token's smallest unit, as a decimal string.</summary>
    public required string TotalSupply { get; init; }
    /// <summary>In whole tokens (<see cref="TotalSupply"/> over 10^<see cref="Decimals"/>).</summary>
    public required string TotalSupplyFormatted { get; init; }
    /// <summary><c>owner()</c>'s answer; null when the contract has no such function.</summary>
    public string? Owner { get; init; }
    /// <summary>True when <c>owner()</c> is the zero or dead address; null when there is no <c>owner()</c>.</summary>
    public bool? OwnershipRenounced { get; init; }
    public int CodeSize { get; init; }
    /// <summary>Source verified on the explorer; null when the explorer is not configured or did not answer (<see cref="ExplorerStatus"/>).</summary>
    public bool? Verified { get; init; }
    public string? ContractName { get; init; }
    public bool? Proxy { get; init; }
    /// <summary>Findings in the verified ABI; null when it could not be read.</summary>
    public IReadOnlyList<string>? SecurityIssues { get; init; }
    public required string ExplorerStatus { get; init; }
    /// <summary>0–100, higher is safer (the formula is in the README).</summary>
    public int SafetyScore { get; init; }
    /// <summary><c>SAFE</c>, <c>CAUTION</c> or <c>DANGER</c>.</summary>
    public required string Rating { get; init; }
    public required IReadOnlyList<ScoreFactorView> Breakdown { get; init; }
    /// <summary>Not checked (null): <see cref="HoneypotReason"/> says why.</summary>
    public bool? Honeypot { get; init; }
    public required string HoneypotReason { get; init; }
    /// <summary>What the score could not weigh, each with why.</summary>
    public required IReadOnlyList<string> NotChecked { get; init; }
}

/// <summary>An account without code: its balance, how many transactions it sent, its age when the explorer knows it, and risk flags.</summary>
internal sealed record WalletAnalysisView
{
    public required string Address { get; init; }
    public required string Network { get; init; }
    /// <summary>In the native coin (<see cref="Symbol"/>), as a decimal string.</summary>
    public required string Balance { get; init; }
    public required string BalanceWei { get; init; }
    public required string Symbol { get; init; }
    /// <summary>Transactions sent (the account's nonce).</summary>
    public long TransactionCount { get; init; }
    /// <summary>From the first transaction the explorer lists; null when unknown (<see cref="AgeReason"/>).</summary>
    public WalletAgeView? Age { get; init; }
    public string? AgeReason { get; init; }
    public required IReadOnlyList<RiskFlagView> RiskFlags { get; init; }
}

internal sealed record WalletAgeView(DateTime FirstTransactionAt, int Days);

/// <summary>A contract that is not an ERC-20 token: its code size and what the explorer says of its source.</summary>
internal sealed record ContractAnalysisView
{
    public required string Address { get; init; }
    public required string Network { get; init; }
    public int CodeSize { get; init; }
    public bool? Verified { get; init; }
    public string? ContractName { get; init; }
    public string? CompilerVersion { get; init; }
    public bool? Proxy { get; init; }
    public IReadOnlyList<string>? SecurityIssues { get; init; }
    public required string ExplorerStatus { get; init; }
    public required string Summary { get; init; }
}

internal sealed record SkippedAddressView(string Address, string? Network, string Reason);

/// <summary>One deduction from a token's score: the fact and its points (negative).</summary>
internal sealed record ScoreFactorView(string Factor, int Points, string Detail);

internal sealed record RiskFlagView(string Id, string Label, string Detail);

internal static class CryptoAnalysisJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Write(CryptoAnalysisView view) => JsonSerializer.Serialize(view, Options);

    /// <summary>The stored analysis, or null when there is none (or it cannot be read).</summary>
    public static CryptoAnalysisView? Read(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<CryptoAnalysisView>(json, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Analyses a post's addresses after it is written (never in the request path). Coalesced: it
/// reads the post's text as it is now, does nothing when an analysis is already stored (an edit
/// that changes the addresses clears it and queues this job), and stores its result only if the
/// text is still the one it read — so a burst of edits costs one analysis of the last text.
/// </summary>
internal sealed class AnalyzeCryptoJob(MindstackDbContext db, CryptoAnalyzer analyzer) : JobHandler<PostJobPayload>
{
    public const string Name = "mindswarm.crypto-analysis";

    public override async Task ExecuteAsync(PostJobPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var row = await db.Set<PostRow>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == payload.PostId, cancellationToken);
        if (row is null || row.DeletedAt is not null || row.CryptoAnalysisJson is not null)
        {
            return;
        }
        var references = CryptoReferences.Find(row.Content);
        if (references.Count == 0)
        {
            return;
        }
        var content = row.Content;
        var analysis = await analyzer.AnalyzeAsync(references, job.IsLastAttempt, cancellationToken);
        await db.Set<PostRow>().Where(p => p.Id == row.Id && p.Content == content && p.CryptoAnalysisJson == null)
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.CryptoAnalysisJson, CryptoAnalysisJson.Write(analysis)), cancellationToken);
    }
}

internal sealed class CryptoAnalysisMigration : SchemaMigration
{
    public override string Id => "2026120760_mindswarm_post_crypto_analysis";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider) =>
        migration.AddColumn<string>(name: "crypto_analysis_json", table: "mindswarm_posts", nullable: true);
}

internal static class CryptoAnalysisRegistration
{
    public static IServiceCollection AddMindSwarmCryptoAnalysis(this IServiceCollection services)
    {
        services.TryAddScoped<CryptoAnalyzer>();
        services.AddJobHandler<AnalyzeCryptoJob>(AnalyzeCryptoJob.Name, o => o.MaxAttempts = 3);
        return services;
    }
}
