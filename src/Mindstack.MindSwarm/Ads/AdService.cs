using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Crypto;
using Mindstack.MindSwarm.Tips;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Ads;

internal sealed record AdPaymentJobPayload(string AdId, int Attempt);

/// <summary>
/// Section 15, advertisements: submission through AI moderation and admin review (unless
/// auto-approve), payment (free mode and zero rates activate at once; otherwise on chain through
/// <see cref="IChainVerifier"/>, rechecked on the document's schedule by a durable job, and recorded
/// on the platform ledger), the re-approval gate on edits, fair serving and counted impressions
/// and clicks.
/// </summary>
internal sealed class AdService(
    MindstackDbContext db,
    UsedTransactions used,
    IChainVerifier verifier,
    ICreditLedger ledger,
    IAiEngine ai,
    IJobQueue jobs,
    IIdGenerator ids,
    TimeProvider clock,
    IOptions<AdOptions> options,
    IOptions<TokenOptions> tokens)
{
    /// <summary>The document's schedule: up to 10 checks, 30 s apart growing by 30 s to 300 s.</summary>
    public const int MaxPaymentChecks = 10;

    public static TimeSpan RecheckDelay(int attempt) => TimeSpan.FromSeconds(Math.Min(30 * attempt, 300));

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public AdSettings Settings()
    {
        var o = options.Value;
        return new AdSettings(o.FreeMode, o.AutoApprove, o.AiModeration, o.MaxDurationDays,
            CryptoTokens.All.ToDictionary(t => t.Symbol, t => o.Rate(t.Symbol).ToString("0.##################", CultureInfo.InvariantCulture)),
            o.PaymentAddress, verifier.Configured && !string.IsNullOrWhiteSpace(o.PaymentAddress), o.MaxBannerAds, o.MaxInlineAds, AdRules.Placements,
            CryptoTokens.All.Select(t => t.Symbol).ToList(), CryptoTokens.Networks);
    }

    public async Task<AdView> CreateAsync(Caller caller, CreateAdRequest request, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var title = (request.Title ?? "").Trim();
        var description = (request.Description ?? "").Trim();
        if (title.Length is 0 or > 100)
        {
            errors.Add(new FieldError("title", "title is required, at most 100 characters"));
        }
        if (description.Length is 0 or > 280)
        {
            errors.Add(new FieldError("description", "description is required, at most 280 characters"));
        }
        var image = string.IsNullOrWhiteSpace(request.ImageUrl) ? null : request.ImageUrl.Trim();
        if (image is not null && !AdRules.IsWebUrl(image))
        {
            errors.Add(new FieldError("imageUrl", "imageUrl must be an http(s) URL (or omitted for a text-only ad)"));
        }
        var link = (request.LinkUrl ?? "").Trim();
        if (!AdRules.IsWebUrl(link))
        {
            errors.Add(new FieldError("linkUrl", "linkUrl must be an http(s) URL"));
        }
        CheckDuration(request.Duration ?? 7, errors);
        var placement = (request.Placement ?? "both").Trim().ToLowerInvariant();
        if (!AdRules.Placements.Contains(placement))
        {
            errors.Add(new FieldError("placement", "placement must be banner, inline or both"));
        }
        var tags = AdRules.NormalizeTags(request.TargetTags);
        if (tags is null)
        {
            errors.Add(new FieldError("targetTags", $"targetTags: at most {AdRules.MaxTags} tags of at most 30 characters each"));
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        var now = Now;
        var row = new AdRow
        {
            Id = ids.New("ad"),
            AccountId = caller.AccountId,
            Title = title,
            Description = description,
            ImageUrl = image,
            LinkUrl = link,
            DurationDays = request.Duration ?? 7,
            Placement = placement,
            TargetTags = tags!,
            Status = AdStatus.Draft,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (request.Draft != true)
        {
            await ReviewAsync(row, moderate: true, ct);
        }
        db.Add(row);
        await db.SaveChangesAsync(ct);
        return AdView.Of(row, now);
    }

    /// <summary>Sends a draft into review.</summary>
    public async Task<AdView> SubmitAsync(Caller caller, string adId, CancellationToken ct)
    {
        var row = await RequireEditableAsync(caller, adId, ct);
        if (row.Status != AdStatus.Draft)
        {
            throw WrongStatus(row, "Only a draft can be submitted; ");
        }
        await ReviewAsync(row, moderate: true, ct);
        row.UpdatedAt = Now;
        await db.SaveChangesAsync(ct);
        return AdView.Of(row, Now);
    }

    public async Task<AdPage> MineAsync(Caller caller, PageRequest page, CancellationToken ct)
    {
        var query = db.Set<AdRow>().AsNoTracking().Where(a => a.AccountId == caller.AccountId);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id).Skip(page.Offset).Take(page.Limit).ToListAsync(ct);
        var now = Now;
        return new AdPage(rows.Select(r => AdView.Of(r, now)).ToList(), page.Page, page.Limit, total, (total + page.Limit - 1) / page.Limit,
            page.Offset + rows.Count < total);
    }

    /// <summary>
    /// PATCH: only the fields sent change. An approved, active or rejected ad that actually changed
    /// goes through approval again (the re-approval gate): with auto-approve it keeps its state,
    /// otherwise it waits for review and an active one stops serving until re-approved.
    /// </summary>
    public async Task<AdView> UpdateAsync(Caller caller, string adId, UpdateAdRequest request, CancellationToken ct)
    {
        var row = await RequireEditableAsync(caller, adId, ct);
        var now = Now;
        var status = AdRules.EffectiveStatus(row, now);
        if (status is AdStatus.Expired or AdStatus.Cancelled)
        {
            throw WrongStatus(row, suffix: "; it can no longer be edited");
        }
        if (request.ImageUrl is not null)
        {
            throw Problem.Invalid("imageUrl", "imageUrl is not patchable: cancel the ad and create a new one to change its image");
        }
        var errors = new List<FieldError>();
        var title = request.Title?.Trim();
        if (title is { Length: 0 or > 100 })
        {
            errors.Add(new FieldError("title", "title must be 1 to 100 characters"));
        }
        var description = request.Description?.Trim();
        if (description is { Length: 0 or > 280 })
        {
            errors.Add(new FieldError("description", "description must be 1 to 280 characters"));
        }
        var link = request.LinkUrl?.Trim();
        if (link is not null && !AdRules.IsWebUrl(link))
        {
            errors.Add(new FieldError("linkUrl", "linkUrl must be an http(s) URL"));
        }
        if (request.Duration is { } duration)
        {
            CheckDuration(duration, errors);
        }
        var placement = request.Placement?.Trim().ToLowerInvariant();
        if (placement is not null && !AdRules.Placements.Contains(placement))
        {
            errors.Add(new FieldError("placement", "placement must be banner, inline or both"));
        }
        var tags = request.TargetTags is null ? row.TargetTags : AdRules.NormalizeTags(request.TargetTags);
        if (tags is null)
        {
            errors.Add(new FieldError("targetTags", $"targetTags: at most {AdRules.MaxTags} tags of at most 30 characters each"));
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        var textChanged = (title is not null && title != row.Title) || (description is not null && description != row.Description);
        var changed = textChanged || (link is not null && link != row.LinkUrl) || (request.Duration is { } d && d != row.DurationDays)
            || (placement is not null && placement != row.Placement) || tags != row.TargetTags;
        if (!changed)
        {
            return AdView.Of(row, now);
        }
        row.Title = title ?? row.Title;
        row.Description = description ?? row.Description;
        row.LinkUrl = link ?? row.LinkUrl;
        row.Placement = placement ?? row.Placement;
        row.TargetTags = tags!;
        if (request.Duration is { } days && days != row.DurationDays)
        {
            row.DurationDays = days;
            if (row.StartDate is { } start)
            {
                row.EndDate = start.AddDays(days);
            }
        }
        row.UpdatedAt = now;
        if (row.Status is AdStatus.Approved or AdStatus.Active or AdStatus.Rejected)
        {
            await ReviewAsync(row, textChanged, ct);
        }
        else if (textChanged && row.Status == AdStatus.PendingReview)
        {
            await ModerateAsync(row, ct);
        }
        await db.SaveChangesAsync(ct);
        return AdView.Of(row, now);
    }

    /// <summary>DELETE: cancelled, whatever its status, ending now.</summary>
    public async Task<AdView> CancelAsync(Caller caller, string adId, CancellationToken ct)
    {
        var row = await RequireEditableAsync(caller, adId, ct);
        var now = Now;
        row.Status = AdStatus.Cancelled;
        row.EndDate = now;
        row.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return AdView.Of(row, now);
    }

    /// <summary>An admin's decision on an ad waiting for review; approving an ad that was paid and is still in its window makes it active again.</summary>
    public async Task<AdView> DecideAsync(string adId, ReviewAdRequest request, CancellationToken ct)
    {
        var row = await RequireAsync(adId, ct);
        var now = Now;
        var action = request.Action?.Trim().ToLowerInvariant();
        if (action is not ("approve" or "reject"))
        {
            throw Problem.Invalid("action", "action must be approve or reject");
        }
        if (row.Status is not (AdStatus.PendingReview or AdStatus.Rejected) || (action == "reject" && row.Status == AdStatus.Rejected))
        {
            throw WrongStatus(row, "Only an ad awaiting review can be decided; ");
        }
        if (action == "approve")
        {
            row.Status = row.StartDate is not null && row.EndDate > now ? AdStatus.Active : AdStatus.Approved;
            row.ReviewNote = null;
        }
        else
        {
            row.Status = AdStatus.Rejected;
            row.ReviewNote = string.IsNullOrWhiteSpace(request.Reason) ? "Rejected by an admin" : request.Reason.Trim()[..Math.Min(request.Reason.Trim().Length, 500)];
        }
        row.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return AdView.Of(row, now);
    }

    /// <summary>Admin pause and resume, active ↔ paused only; resuming past the end date expires the ad instead.</summary>
    public async Task<AdView> SetStatusAsync(string adId, AdStatusRequest request, CancellationToken ct)
    {
        var target = request.Status?.Trim().ToLowerInvariant();
        if (target is not (AdStatus.Paused or AdStatus.Active))
        {
            throw Problem.Invalid("status", "status must be paused or active");
        }
        var row = await RequireAsync(adId, ct);
        var now = Now;
        var source = row.Status;
        if (!(source == AdStatus.Active && target == AdStatus.Paused) && !(source == AdStatus.Paused && target == AdStatus.Active))
        {
            throw WrongStatus(row, suffix: "; only active ↔ paused can be changed here");
        }
        row.Status = target == AdStatus.Active && row.EndDate <= now ? AdStatus.Expired : target;
        row.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return AdView.Of(row, now);
    }

    /// <summary>
    /// Pays for an approved ad. Free mode or a zero daily rate activates it at once; otherwise the
    /// transaction (its hash claimed once across ads, tips and boosts) is verified on chain, now and
    /// then on the document's schedule.
    /// </summary>
    public async Task<AdPayResult> PayAsync(Caller caller, string adId, PayAdRequest request, CancellationToken ct)
    {
        var row = await RequireEditableAsync(caller, adId, ct);
        var now = Now;
        var status = AdRules.EffectiveStatus(row, now);
        if (status != AdStatus.Approved)
        {
            throw WrongStatus(row);
        }
        if (row.PaymentStatus == AdPaymentStatus.Pending)
        {
            throw Problem.Conflict("A payment for this ad is awaiting verification: " + row.PaymentReason, "PAYMENT_PENDING");
        }
        var settings = options.Value;
        var token = CryptoTokens.Find(request.Cryptocurrency);
        var free = settings.FreeMode
            || (token is not null && settings.Rate(token.Symbol) == 0)
            || (string.IsNullOrWhiteSpace(request.Cryptocurrency) && CryptoTokens.All.All(t => settings.Rate(t.Symbol) == 0));
        if (free)
        {
            row.PaymentStatus = AdPaymentStatus.Free;
            row.PaymentReason = settings.FreeMode ? "Free mode: no payment needed" : "The daily rate is 0: no payment needed";
            Activate(row, now);
            await db.SaveChangesAsync(ct);
            return new AdPayResult(AdView.Of(row, now), row.Status, "Ad activated");
        }
        var errors = new List<FieldError>();
        if (token is null)
        {
            errors.Add(new FieldError("cryptocurrency", "cryptocurrency must be one of " + string.Join(", ", CryptoTokens.All.Select(t => t.Symbol))));
        }
        var network = string.IsNullOrWhiteSpace(request.BlockchainNetwork) ? token?.Networks[0] : request.BlockchainNetwork.Trim().ToLowerInvariant();
        if (token is not null && (network is null || !token.Networks.Contains(network)))
        {
            errors.Add(new FieldError("blockchainNetwork", $"blockchainNetwork for {token.Symbol} must be one of " + string.Join(", ", token.Networks)));
        }
        var cost = token is null ? 0m : row.DurationDays * settings.Rate(token.Symbol);
        if (token is not null && CryptoTokens.ToUnits(request.Amount, token.Decimals) is null)
        {
            errors.Add(new FieldError("amount", "amount must be a positive decimal string in token units, such as \"0.035\""));
        }
        else if (token is not null && decimal.Parse(request.Amount!.Trim(), CultureInfo.InvariantCulture) < cost)
        {
            errors.Add(new FieldError("amount", $"amount must be at least the cost, {cost.ToString("0.##################", CultureInfo.InvariantCulture)} {token.Symbol} ({row.DurationDays} days)"));
        }
        var txHash = (request.TransactionHash ?? "").Trim();
        var evm = network is "ethereum" or "polygon" or "bsc";
        if (!CryptoTokens.TxHashPattern().IsMatch(txHash) || (evm && !(txHash.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && txHash.Length == 66)))
        {
            errors.Add(new FieldError("transactionHash", "transactionHash must be a transaction hash (0x and 64 hex digits on EVM networks)"));
        }
        if (request.SenderAddress is { Length: > 128 })
        {
            errors.Add(new FieldError("senderAddress", "senderAddress must be at most 128 characters"));
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        if (await used.IsClaimedAsync(txHash, ct))
        {
            throw TxHashUsed();
        }
        row.PaymentCrypto = token!.Symbol;
        row.PaymentAmount = CryptoTokens.Canonical(request.Amount!.Trim());
        row.PaymentTxHash = UsedTransactions.Normalize(txHash);
        row.PaymentNetwork = network;
        row.PaymentSender = request.SenderAddress?.Trim();
        row.PaymentStatus = AdPaymentStatus.Pending;
        row.PaymentReason = "Awaiting verification";
        row.PaidAt = null;
        row.UpdatedAt = now;
        used.Claim(txHash, "ad", row.Id, caller.AccountId);
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
        await VerifyPaymentAsync(row, 0, ct);
        var message = row.PaymentStatus switch
        {
            AdPaymentStatus.Verified => "Payment verified; ad activated",
            AdPaymentStatus.Failed => "Payment verification failed: " + row.PaymentReason,
            _ => "Payment recorded; " + row.PaymentReason,
        };
        return new AdPayResult(AdView.Of(row, Now), row.Status, message);
    }

    /// <summary>Checks a pending payment; undecided ones are checked again on the schedule, at most <see cref="MaxPaymentChecks"/> times.</summary>
    public async Task VerifyPaymentAsync(AdRow row, int attempt, CancellationToken ct)
    {
        if (row.PaymentStatus != AdPaymentStatus.Pending || row.PaymentCrypto is null || row.PaymentTxHash is null)
        {
            return;
        }
        var settings = options.Value;
        var token = CryptoTokens.Find(row.PaymentCrypto)!;
        var network = row.PaymentNetwork ?? token.Networks[0];
        var retryable = false;
        ChainVerification result;
        if (!CryptoTokens.Verifiable(token, network))
        {
            result = new ChainVerification(ChainVerdict.Pending,
                $"Awaiting verification: this server verifies payments on Ethereum only (eth, usdt, usdc); {token.Symbol} on {network} is checked by an admin");
        }
        else if (!verifier.Configured)
        {
            result = new ChainVerification(ChainVerdict.Pending, EthereumChainVerifier.NotConfiguredReason);
        }
        else if (string.IsNullOrWhiteSpace(settings.PaymentAddress))
        {
            result = new ChainVerification(ChainVerdict.Pending,
                $"Awaiting verification: no ad payment address is configured on this server (the operator sets {AdOptions.Section}:PaymentAddress)");
        }
        else
        {
            var cost = row.DurationDays * settings.Rate(token.Symbol);
            var units = CryptoTokens.ToUnits(cost.ToString("0.##################", CultureInfo.InvariantCulture), token.Decimals)
                ?? CryptoTokens.ToUnits(row.PaymentAmount, token.Decimals)!.Value;
            var contract = token.Symbol == "eth" ? null : CryptoTokens.Contract(token, tokens.Value);
            result = await verifier.VerifyAsync(new ChainPayment(row.PaymentTxHash, settings.PaymentAddress, units, contract), ct);
            retryable = true;
        }
        var now = Now;
        row.PaymentReason = result.Reason;
        row.UpdatedAt = now;
        switch (result.Verdict)
        {
            case ChainVerdict.Verified:
                row.PaymentStatus = AdPaymentStatus.Verified;
                row.PaidAt = now;
                await RecordOnLedgerAsync(row, token, ct);
                if (row.Status == AdStatus.Approved)
                {
                    Activate(row, now);
                }
                break;
            case ChainVerdict.Failed:
                row.PaymentStatus = AdPaymentStatus.Failed;
                break;
            case ChainVerdict.Pending when retryable && attempt + 1 < MaxPaymentChecks:
                jobs.Enqueue<VerifyAdPaymentJob>(new AdPaymentJobPayload(row.Id, attempt + 1), new JobOptions { RunAt = now + RecheckDelay(attempt + 1) });
                break;
            case ChainVerdict.Pending when retryable:
                row.PaymentStatus = AdPaymentStatus.Failed;
                row.PaymentReason = $"The payment could not be verified after {MaxPaymentChecks} checks: {result.Reason}";
                break;
            case ChainVerdict.Pending:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(row), result.Verdict, "unknown verdict");
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The verified payment as ledger movements (bought, then spent on the ad), in millionths of the token; idempotent by reference.</summary>
    private async Task RecordOnLedgerAsync(AdRow row, CryptoToken token, CancellationToken ct)
    {
        var micro = (long)Math.Round(decimal.Parse(row.PaymentAmount!, CultureInfo.InvariantCulture) * 1_000_000m);
        if (micro <= 0)
        {
            return;
        }
        var currency = token.Symbol + "_micro";
        await ledger.PurchaseAsync(row.AccountId, currency, micro, $"mindswarm:ad:{row.Id}:payment", $"On-chain payment {row.PaymentTxHash}", ct);
        await ledger.ChargeAsync(row.AccountId, currency, micro, $"mindswarm:ad:{row.Id}:charge", $"Ad {row.Id}, {row.DurationDays} days", ct);
    }

    /// <summary>The ads served now, per placement: least-shown first, ties in random order (the document's fairness rule).</summary>
    public async Task<ActiveAds> ActiveAsync(CancellationToken ct)
    {
        var now = Now;
        var settings = options.Value;
        var rows = await db.Set<AdRow>().AsNoTracking().Where(a => a.Status == AdStatus.Active && a.EndDate > now)
            .OrderBy(a => a.Impressions).Take(500).ToListAsync(ct);
        List<PublicAdView> Pick(string placement, int limit) => rows.Where(r => r.Placement == placement || r.Placement == "both")
            .Select(r => (Row: r, Tiebreak: Random.Shared.Next()))
            .OrderBy(x => x.Row.Impressions).ThenBy(x => x.Tiebreak)
            .Take(limit)
            .Select(x => new PublicAdView(x.Row.Id, x.Row.Id, x.Row.Title, x.Row.Description, x.Row.ImageUrl, AdRules.TagLink(x.Row.LinkUrl),
                x.Row.Placement, AdRules.Tags(x.Row.TargetTags), x.Row.Impressions, x.Row.Clicks, x.Row.EndDate))
            .ToList();
        return new ActiveAds(Pick("banner", settings.MaxBannerAds), Pick("inline", settings.MaxInlineAds), Settings());
    }

    /// <summary>
    /// Counts an impression (once per ad and address within the dedup window) or a click (always).
    /// Counters are incremented in place; the dedup is an insert-first row per ad and address whose
    /// time is moved forward only by a conditional update, so concurrent requests count once.
    /// </summary>
    public async Task<TrackResult> TrackAsync(string adId, TrackAdRequest request, string address, CancellationToken ct)
    {
        var type = request.Type?.Trim().ToLowerInvariant();
        if (type is not ("impression" or "click"))
        {
            throw Problem.Invalid("type", "type must be impression or click");
        }
        var now = Now;
        if (!await db.Set<AdRow>().AnyAsync(a => a.Id == adId, ct))
        {
            throw Problem.NotFound("Ad not found", "AD_NOT_FOUND");
        }
        var impression = type == "impression";
        if (impression && !await FirstSightingAsync(adId, address, now, ct))
        {
            return new TrackResult(type, false);
        }
        if (impression)
        {
            await db.Set<AdRow>().Where(a => a.Id == adId).ExecuteUpdateAsync(s => s.SetProperty(a => a.Impressions, a => a.Impressions + 1), ct);
        }
        else
        {
            await db.Set<AdRow>().Where(a => a.Id == adId).ExecuteUpdateAsync(s => s.SetProperty(a => a.Clicks, a => a.Clicks + 1), ct);
        }
        await CountDayAsync(adId, now.Date, impression, ct);
        return new TrackResult(type, true);
    }

    private async Task<bool> FirstSightingAsync(string adId, string address, DateTime now, CancellationToken ct)
    {
        var cutoff = now - options.Value.ImpressionDedupWindow;
        var moved = await db.Set<AdViewerRow>().Where(v => v.AdId == adId && v.Address == address && v.LastCountedAt <= cutoff)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.LastCountedAt, now), ct);
        if (moved == 1)
        {
            return true;
        }
        if (await db.Set<AdViewerRow>().AnyAsync(v => v.AdId == adId && v.Address == address, ct))
        {
            return false;
        }
        var row = new AdViewerRow { AdId = adId, Address = address, LastCountedAt = now };
        db.Add(row);
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException)
        {
            // A concurrent request saw this address first: it counted, this one does not.
            return false;
        }
        finally
        {
            db.Entry(row).State = EntityState.Detached;
        }
    }

    private async Task CountDayAsync(string adId, DateTime day, bool impression, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var days = db.Set<AdDailyRow>().Where(d => d.AdId == adId && d.Day == day);
            var updated = impression
                ? await days.ExecuteUpdateAsync(s => s.SetProperty(d => d.Impressions, d => d.Impressions + 1), ct)
                : await days.ExecuteUpdateAsync(s => s.SetProperty(d => d.Clicks, d => d.Clicks + 1), ct);
            if (updated == 1)
            {
                return;
            }
            await db.InsertIfAbsentAsync(new AdDailyRow { AdId = adId, Day = day }, d => d.AdId == adId && d.Day == day, ct);
        }
    }

    public async Task<AdRow> RequireAsync(string adId, CancellationToken ct) =>
        await db.Set<AdRow>().FirstOrDefaultAsync(a => a.Id == adId, ct) ?? throw Problem.NotFound("Ad not found", "AD_NOT_FOUND");

    /// <summary>The ad, for its owner or an admin; anyone else is told it does not exist.</summary>
    private async Task<AdRow> RequireEditableAsync(Caller caller, string adId, CancellationToken ct)
    {
        var row = await db.Set<AdRow>().FirstOrDefaultAsync(a => a.Id == adId, ct);
        if (row is null)
        {
            throw Problem.NotFound("Ad not found", "AD_NOT_FOUND");
        }
        if (row.AccountId != caller.AccountId && !caller.Roles.Contains(AccountRoles.Admin))
        {
            throw Problem.Forbidden("Only the ad's owner (or an admin) can do this", "NOT_AD_OWNER");
        }
        if (AdRules.EffectiveStatus(row, Now) == AdStatus.Expired && row.Status != AdStatus.Expired)
        {
            row.Status = AdStatus.Expired;
        }
        return row;
    }

    /// <summary>The approval logic of POST /ads: AI moderation (when asked), then approved with auto-approve and no flag, else pending review.</summary>
    private async Task ReviewAsync(AdRow row, bool moderate, CancellationToken ct)
    {
        if (moderate)
        {
            await ModerateAsync(row, ct);
        }
        var approved = options.Value.AutoApprove && !row.ModerationFlagged;
        row.Status = approved
            ? row.Status == AdStatus.Active ? AdStatus.Active : AdStatus.Approved
            : AdStatus.PendingReview;
        if (approved)
        {
            row.ReviewNote = null;
        }
    }

    /// <summary>Scores the ad's text with the platform's AI moderation; fails open when the engine is down.</summary>
    private async Task ModerateAsync(AdRow row, CancellationToken ct)
    {
        if (!options.Value.AiModeration)
        {
            row.ModerationFlagged = false;
            return;
        }
        try
        {
            var verdict = (await ai.ModerateAsync(row.Title + "\n" + row.Description, cancellationToken: ct)).Value;
            row.ModerationFlagged = verdict.Flagged;
            row.ReviewNote = verdict.Flagged ? "Flagged by AI moderation: " + string.Join(", ", verdict.FlaggedCategories) : null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            row.ModerationFlagged = false;
        }
    }

    private void CheckDuration(int days, List<FieldError> errors)
    {
        var max = options.Value.MaxDurationDays;
        if (days < 1 || days > max)
        {
            errors.Add(new FieldError("duration", $"duration must be from 1 to {max} days"));
        }
    }

    private static void Activate(AdRow row, DateTime now)
    {
        row.Status = AdStatus.Active;
        row.StartDate = now;
        row.EndDate = now.AddDays(row.DurationDays);
        row.UpdatedAt = now;
    }

    /// <summary>400 <c>INVALID_AD_STATUS</c> with the document's message for the ad's status, and that status in the error's <c>status</c>.</summary>
    private Problem WrongStatus(AdRow row, string prefix = "", string suffix = "")
    {
        var status = AdRules.EffectiveStatus(row, Now);
        return new Problem(ProblemKind.BadRequest, prefix + AdRules.StatusMessage(status, row.ReviewNote) + suffix, "INVALID_AD_STATUS",
            details: new StatusDetail(status));
    }

    private static Problem TxHashUsed() => Problem.Conflict("This transaction hash has already been used for a payment", "TX_HASH_USED");
}

/// <summary>Checks an ad's pending on-chain payment again, on the document's schedule (30 s, 60 s, … 300 s; 10 checks in all).</summary>
internal sealed class VerifyAdPaymentJob(MindstackDbContext db, AdService ads) : JobHandler<AdPaymentJobPayload>
{
    public const string Name = "mindswarm.verify-ad-payment";

    public override async Task ExecuteAsync(AdPaymentJobPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var row = await db.Set<AdRow>().FirstOrDefaultAsync(a => a.Id == payload.AdId, cancellationToken);
        if (row is not null)
        {
            await ads.VerifyPaymentAsync(row, payload.Attempt, cancellationToken);
        }
    }
}
