using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Crypto;
using Mindstack.MindSwarm.Notifications;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Tips;

internal sealed record SendTipRequest(string? RecipientId, string? Cryptocurrency, string? Amount, string? TransactionHash, string? BlockchainNetwork,
    string? RecipientAddress, string? SenderAddress, string? PostId, string? Message);

internal sealed record TipView(
    [property: JsonPropertyName("_id")] string UnderscoreId,
    string Id,
    UserSummary? Sender,
    UserSummary? Recipient,
    string Cryptocurrency,
    string Amount,
    string TransactionHash,
    string BlockchainNetwork,
    string? RecipientAddress,
    string? SenderAddress,
    string? PostId,
    string? Message,
    string Status,
    string? StatusReason,
    DateTime? VerifiedAt,
    DateTime CreatedAt);

internal sealed record TipEnvelope(TipView Tip, string Message);

internal sealed record TipStatusView(string TipId, string Status, string? StatusReason, string TransactionHash, DateTime? VerifiedAt);

internal sealed record TipPage(IReadOnlyList<TipView> Tips, int Page, int Limit, int Total, bool HasMore);

internal sealed record TokenTotal(string Cryptocurrency, int Count, string Amount);

internal sealed record TipDirectionStats(int Count, int Verified, int Pending, int Failed, IReadOnlyList<TokenTotal> VerifiedTotals);

internal sealed record TipStats(TipDirectionStats Sent, TipDirectionStats Received);

internal sealed record PostTips(string PostId, IReadOnlyList<TipView> Tips, int Page, int Limit, int Total, bool HasMore, IReadOnlyList<TokenTotal> Totals);

internal sealed record SupportedToken(string Symbol, string Name, int Decimals, IReadOnlyList<string> Networks, string? ContractAddress,
    bool Verifiable);

internal sealed record SupportedTokens(IReadOnlyList<SupportedToken> Tokens, bool VerificationConfigured, string? VerificationNote);

/// <summary>
/// Section 9: tips paid on chain from one member to another. The transaction hash is claimed once
/// across boosts, tips and ads; the transfer is checked through <see cref="IChainVerifier"/>
/// against the recipient's wallet on their profile. A tip that cannot be decided yet (no node
/// configured, a chain this server cannot read, not mined) stays <c>pending</c> with the reason.
/// </summary>
internal sealed class TipService(
    MindstackDbContext db,
    PostService posts,
    ProfileService profiles,
    UsedTransactions used,
    IChainVerifier verifier,
    Notifier notifier,
    IIdGenerator ids,
    TimeProvider clock,
    IOptions<TokenOptions> tokens)
{
    /// <summary>The tokens section 9 names for tips.</summary>
    public static readonly IReadOnlyList<string> TipTokens = ["btc", "eth", "sol", "usdt", "usdc"];

    public SupportedTokens Supported() => new(
        CryptoTokens.All.Where(t => TipTokens.Contains(t.Symbol))
            .Select(t => new SupportedToken(t.Symbol, t.Name, t.Decimals, t.Networks, CryptoTokens.Contract(t, tokens.Value),
                CryptoTokens.Verifiable(t, CryptoTokens.VerifiableNetwork)))
            .ToList(),
        verifier.Configured,
        verifier.Configured ? null : EthereumChainVerifier.NotConfiguredReason);

    public async Task<TipView> SendAsync(Caller caller, SendTipRequest request, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var token = CryptoTokens.Find(request.Cryptocurrency);
        if (token is null || !TipTokens.Contains(token.Symbol))
        {
            errors.Add(new FieldError("cryptocurrency", "cryptocurrency must be one of " + string.Join(", ", TipTokens)));
        }
        var network = string.IsNullOrWhiteSpace(request.BlockchainNetwork) ? token?.Networks[0] : request.BlockchainNetwork.Trim().ToLowerInvariant();
        if (token is not null && (network is null || !token.Networks.Contains(network)))
        {
            errors.Add(new FieldError("blockchainNetwork", $"blockchainNetwork for {token.Symbol} must be one of " + string.Join(", ", token.Networks)));
        }
        if (token is not null && CryptoTokens.ToUnits(request.Amount, token.Decimals) is null)
        {
            errors.Add(new FieldError("amount", $"amount must be a positive decimal string with at most {token.Decimals} decimals, such as \"0.01\""));
        }
        var txHash = (request.TransactionHash ?? "").Trim();
        var evm = network is "ethereum" or "polygon" or "bsc";
        if (!CryptoTokens.TxHashPattern().IsMatch(txHash) || (evm && !(txHash.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && txHash.Length == 66)))
        {
            errors.Add(new FieldError("transactionHash", "transactionHash must be a transaction hash (0x and 64 hex digits on EVM networks)"));
        }
        if (string.IsNullOrWhiteSpace(request.RecipientId))
        {
            errors.Add(new FieldError("recipientId", "recipientId is required"));
        }
        if (request.Message is { Length: > 280 })
        {
            errors.Add(new FieldError("message", "message must be at most 280 characters"));
        }
        if (request.SenderAddress is { Length: > 128 } || request.RecipientAddress is { Length: > 128 })
        {
            errors.Add(new FieldError("senderAddress", "addresses must be at most 128 characters"));
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        var recipientId = request.RecipientId!.Trim();
        if (recipientId == caller.AccountId)
        {
            throw Problem.BadRequest("You cannot tip yourself", "CANNOT_TIP_SELF");
        }
        if (!await db.Set<Account>().AnyAsync(a => a.Id == recipientId, ct))
        {
            throw Problem.NotFound("Recipient not found", "USER_NOT_FOUND");
        }
        string? postId = null;
        if (!string.IsNullOrWhiteSpace(request.PostId))
        {
            var post = await posts.RequireVisibleAsync(request.PostId.Trim(), caller.AccountId, ct);
            if (post.AuthorId != recipientId)
            {
                throw Problem.BadRequest("The recipient must be the post's author", "RECIPIENT_NOT_AUTHOR");
            }
            postId = post.Id;
        }
        var wallet = await WalletAsync(recipientId, token!, network!, ct);
        if (wallet is not null && !string.IsNullOrWhiteSpace(request.RecipientAddress)
            && !string.Equals(wallet, request.RecipientAddress.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            throw Problem.BadRequest("recipientAddress is not the recipient's wallet on their profile", "RECIPIENT_ADDRESS_MISMATCH");
        }
        if (await used.IsClaimedAsync(txHash, ct))
        {
            throw TxHashUsed();
        }
        var row = new TipRow
        {
            Id = ids.New("tip"),
            SenderId = caller.AccountId,
            RecipientId = recipientId,
            PostId = postId,
            Cryptocurrency = token!.Symbol,
            Amount = CryptoTokens.Canonical(request.Amount!.Trim()),
            TxHash = UsedTransactions.Normalize(txHash),
            Network = network!,
            RecipientAddress = wallet,
            SenderAddress = request.SenderAddress?.Trim(),
            Message = string.IsNullOrWhiteSpace(request.Message) ? null : request.Message.Trim(),
            Status = TipStatus.Pending,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Add(row);
        used.Claim(txHash, "tip", row.Id, caller.AccountId);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await used.IsClaimedAsync(txHash, ct))
            {
                throw TxHashUsed();
            }
            throw;
        }
        await notifier.NotifyAsync(new NotificationRequest(recipientId, NotificationTypes.TipReceived)
        {
            ActorId = caller.AccountId,
            PostId = postId,
            TargetId = row.Id,
            SourceKey = "tip_received:" + row.Id,
        }, ct);
        await VerifyAsync(row, ct);
        return (await ViewsAsync([row], ct))[0];
    }

    /// <summary>Runs verification again for a pending tip (its sender or recipient); a decided tip is returned as it is.</summary>
    public async Task<TipView> ReverifyAsync(Caller caller, string tipId, CancellationToken ct)
    {
        var row = await RequireOwnAsync(caller, tipId, track: true, ct);
        await VerifyAsync(row, ct);
        return (await ViewsAsync([row], ct))[0];
    }

    public async Task<TipStatusView> StatusAsync(Caller caller, string tipId, CancellationToken ct)
    {
        var row = await RequireOwnAsync(caller, tipId, track: false, ct);
        return new TipStatusView(row.Id, row.Status, row.StatusReason, row.TxHash, row.VerifiedAt);
    }

    public async Task<TipPage> HistoryAsync(Caller caller, string? type, PageRequest page, CancellationToken ct)
    {
        var me = caller.AccountId;
        var query = db.Set<TipRow>().AsNoTracking();
        query = (type?.Trim().ToLowerInvariant()) switch
        {
            null or "" or "all" => query.Where(t => t.SenderId == me || t.RecipientId == me),
            "sent" => query.Where(t => t.SenderId == me),
            "received" => query.Where(t => t.RecipientId == me),
            _ => throw Problem.Invalid("type", "type must be sent or received (or omitted for both)"),
        };
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id).Skip(page.Offset).Take(page.Limit).ToListAsync(ct);
        return new TipPage(await ViewsAsync(rows, ct), page.Page, page.Limit, total, page.Offset + rows.Count < total);
    }

    public async Task<TipStats> StatsAsync(Caller caller, CancellationToken ct)
    {
        var me = caller.AccountId;
        var rows = await db.Set<TipRow>().AsNoTracking().Where(t => t.SenderId == me || t.RecipientId == me)
            .Select(t => new { t.SenderId, t.Cryptocurrency, t.Amount, t.Status }).ToListAsync(ct);
        TipDirectionStats Of(bool sent)
        {
            var mine = rows.Where(r => (r.SenderId == me) == sent).ToList();
            return new TipDirectionStats(mine.Count, mine.Count(r => r.Status == TipStatus.Verified), mine.Count(r => r.Status == TipStatus.Pending),
                mine.Count(r => r.Status == TipStatus.Failed),
                Totals(mine.Where(r => r.Status == TipStatus.Verified).Select(r => (r.Cryptocurrency, r.Amount))));
        }
        return new TipStats(Of(sent: true), Of(sent: false));
    }

    /// <summary>The tips on a post anyone who can see it may read (failed ones left out); totals count verified tips.</summary>
    public async Task<PostTips> ForPostAsync(string? viewerId, string postId, PageRequest page, CancellationToken ct)
    {
        var post = await posts.RequireVisibleAsync(postId, viewerId, ct);
        var query = db.Set<TipRow>().AsNoTracking().Where(t => t.PostId == post.Id && t.Status != TipStatus.Failed);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id).Skip(page.Offset).Take(page.Limit).ToListAsync(ct);
        var verified = await query.Where(t => t.Status == TipStatus.Verified).Select(t => new { t.Cryptocurrency, t.Amount }).ToListAsync(ct);
        return new PostTips(post.Id, await ViewsAsync(rows, ct), page.Page, page.Limit, total, page.Offset + rows.Count < total,
            Totals(verified.Select(v => (v.Cryptocurrency, v.Amount))));
    }

    /// <summary>Checks a pending tip's transfer and records the outcome; a verified tip notifies its recipient.</summary>
    private async Task VerifyAsync(TipRow row, CancellationToken ct)
    {
        if (row.Status != TipStatus.Pending)
        {
            return;
        }
        var token = CryptoTokens.Find(row.Cryptocurrency)!;
        row.RecipientAddress ??= await WalletAsync(row.RecipientId, token, row.Network, ct);
        ChainVerification result;
        if (!CryptoTokens.Verifiable(token, row.Network))
        {
            result = new ChainVerification(ChainVerdict.Pending,
                $"Awaiting verification: this server verifies payments on Ethereum only (eth, usdt, usdc); {row.Cryptocurrency} on {row.Network} is not checked");
        }
        else if (!verifier.Configured)
        {
            result = new ChainVerification(ChainVerdict.Pending, EthereumChainVerifier.NotConfiguredReason);
        }
        else if (row.RecipientAddress is null)
        {
            result = new ChainVerification(ChainVerdict.Pending,
                "Awaiting verification: the recipient has no eth address on their profile (PUT /api/users/crypto-addresses)");
        }
        else
        {
            var contract = token.Symbol == "eth" ? null : CryptoTokens.Contract(token, tokens.Value);
            result = await verifier.VerifyAsync(
                new ChainPayment(row.TxHash, row.RecipientAddress, CryptoTokens.ToUnits(row.Amount, token.Decimals)!.Value, contract), ct);
        }
        row.StatusReason = result.Reason;
        switch (result.Verdict)
        {
            case ChainVerdict.Verified:
                row.Status = TipStatus.Verified;
                row.VerifiedAt = clock.GetUtcNow().UtcDateTime;
                break;
            case ChainVerdict.Failed:
                row.Status = TipStatus.Failed;
                break;
            case ChainVerdict.Pending:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(row), result.Verdict, "unknown verdict");
        }
        await db.SaveChangesAsync(ct);
        if (row.Status == TipStatus.Verified)
        {
            await notifier.NotifyAsync(new NotificationRequest(row.RecipientId, NotificationTypes.TipVerified)
            {
                ActorId = row.SenderId,
                PostId = row.PostId,
                TargetId = row.Id,
                SourceKey = "tip_verified:" + row.Id,
            }, ct);
        }
    }

    /// <summary>The recipient's wallet for this token: their profile's address for it (the eth address for ERC-20 tokens on EVM networks).</summary>
    private async Task<string?> WalletAsync(string accountId, CryptoToken token, string network, CancellationToken ct)
    {
        var json = await db.Set<ProfileRow>().AsNoTracking().Where(p => p.AccountId == accountId).Select(p => p.CryptoAddressesJson).FirstOrDefaultAsync(ct);
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }
        Dictionary<string, JsonElement>? addresses;
        try
        {
            addresses = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json);
        }
        catch (JsonException)
        {
            return null;
        }
        string? Read(string key) =>
            addresses?.FirstOrDefault(a => string.Equals(a.Key, key, StringComparison.OrdinalIgnoreCase)).Value is { ValueKind: JsonValueKind.String } v
                ? v.GetString()?.Trim()
                : null;
        var evm = network is "ethereum" or "polygon" or "bsc";
        return Read(token.Symbol) is { Length: > 0 } own && (!evm || CryptoTokens.AddressPattern().IsMatch(own))
            ? own
            : evm && Read("eth") is { } eth && CryptoTokens.AddressPattern().IsMatch(eth) ? eth : null;
    }

    private async Task<TipRow> RequireOwnAsync(Caller caller, string tipId, bool track, CancellationToken ct)
    {
        var query = track ? db.Set<TipRow>() : db.Set<TipRow>().AsNoTracking();
        var row = await query.FirstOrDefaultAsync(t => t.Id == tipId, ct);
        if (row is null || (row.SenderId != caller.AccountId && row.RecipientId != caller.AccountId && !caller.Roles.Contains(AccountRoles.Moderator)))
        {
            throw Problem.NotFound("Tip not found", "TIP_NOT_FOUND");
        }
        return row;
    }

    private async Task<List<TipView>> ViewsAsync(IReadOnlyList<TipRow> rows, CancellationToken ct)
    {
        var people = await profiles.SummariesAsync(rows.SelectMany(r => new[] { r.SenderId, r.RecipientId }), ct);
        return rows.Select(r => new TipView(r.Id, r.Id, people.GetValueOrDefault(r.SenderId), people.GetValueOrDefault(r.RecipientId), r.Cryptocurrency,
            r.Amount, r.TxHash, r.Network, r.RecipientAddress, r.SenderAddress, r.PostId, r.Message, r.Status, r.StatusReason, r.VerifiedAt,
            r.CreatedAt)).ToList();
    }

    private static List<TokenTotal> Totals(IEnumerable<(string Token, string Amount)> tips) =>
        tips.GroupBy(t => t.Token, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new TokenTotal(g.Key, g.Count(),
                g.Sum(t => decimal.Parse(t.Amount, CultureInfo.InvariantCulture)).ToString("0.##################", CultureInfo.InvariantCulture)))
            .ToList();

    private static Problem TxHashUsed() => Problem.Conflict("This transaction hash has already been used for a payment", "TX_HASH_USED");
}
