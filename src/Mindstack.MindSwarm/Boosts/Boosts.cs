using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.MindSwarm.Auth;
using Mindstack.MindSwarm.Crypto;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Boosts;

/// <summary>
/// <c>Mindstack:MindSwarm:Boosts:*</c>: <c>RecipientAddress</c> (the Ethereum address boost
/// payments must go to; without it boosts stay <c>pending</c>), <c>MaxDurationHours</c> (default
/// 720) and <c>RecheckInterval</c> (how long a pending boost waits before its payment is checked again).
/// </summary>
public sealed class BoostOptions
{
    public const string Section = "Mindstack:MindSwarm:Boosts";

    public string? RecipientAddress { get; set; }
    public int MaxDurationHours { get; set; } = 720;
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>How many times a pending payment is checked again before it is left pending for good.</summary>
    public int MaxRechecks { get; set; } = 30;
}

internal sealed class BoostOptionsValidator : IValidateOptions<BoostOptions>
{
    public ValidateOptionsResult Validate(string? name, BoostOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.RecipientAddress) && !BoostService.AddressPattern().IsMatch(options.RecipientAddress))
        {
            failures.Add($"{BoostOptions.Section}:RecipientAddress must be an Ethereum address (0x and 40 hex digits)");
        }
        if (options.MaxDurationHours < 1)
        {
            failures.Add($"{BoostOptions.Section}:MaxDurationHours must be at least 1");
        }
        if (options.RecheckInterval <= TimeSpan.Zero)
        {
            failures.Add($"{BoostOptions.Section}:RecheckInterval must be more than zero");
        }
        if (options.MaxRechecks < 0)
        {
            failures.Add($"{BoostOptions.Section}:MaxRechecks must be 0 or more");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal static class BoostStatus
{
    public const string Pending = "pending";
    public const string Active = "active";
    public const string Failed = "failed";
    public const string Expired = "expired";
}

internal sealed class BoostRow
{
    public required string Id { get; set; }
    public required string PostId { get; set; }
    public required string AccountId { get; set; }
    public int DurationHours { get; set; }
    /// <summary>As the client sent it (a decimal string such as <c>0.01</c>).</summary>
    public required string Amount { get; set; }
    public required string Crypto { get; set; }
    public required string TxHash { get; set; }
    /// <summary><c>pending</c>, <c>active</c> (verified; see <see cref="EndsAt"/>) or <c>failed</c>.</summary>
    public required string Status { get; set; }
    public string? StatusReason { get; set; }
    public DateTime? VerifiedAt { get; set; }
    public DateTime? StartsAt { get; set; }
    public DateTime? EndsAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class BoostModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<BoostRow>(e =>
        {
            e.ToTable("mindswarm_boosts");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.Status, x.EndsAt });
            e.HasIndex(x => x.PostId);
        });
}

internal sealed class BoostMigration : SchemaMigration
{
    public override string Id => "2026120612_mindswarm_boosts";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_boosts",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                post_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                duration_hours = t.Column<int>(),
                amount = t.Column<string>(maxLength: 64),
                crypto = t.Column<string>(maxLength: 16),
                tx_hash = t.Column<string>(maxLength: 80),
                status = t.Column<string>(maxLength: 16),
                status_reason = t.Column<string>(maxLength: 500, nullable: true),
                verified_at = t.Column<DateTime>(nullable: true),
                starts_at = t.Column<DateTime>(nullable: true),
                ends_at = t.Column<DateTime>(nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_boosts", x => x.id));
        migration.CreateIndex("ix_mindswarm_boosts_status_ends_at", "mindswarm_boosts", ["status", "ends_at"]);
        migration.CreateIndex("ix_mindswarm_boosts_post_id", "mindswarm_boosts", ["post_id"]);
    }
}

internal sealed record BoostRequest(int? Duration, string? Amount, string? Crypto, string? TxHash);

internal sealed record BoostView(string Id, string PostId, int Duration, string Amount, string Crypto, string TxHash, string Status,
    string? StatusReason, DateTime? VerifiedAt, DateTime? StartsAt, DateTime? EndsAt, DateTime CreatedAt)
{
    public static BoostView Of(BoostRow row, DateTime now) => new(row.Id, row.PostId, row.DurationHours, row.Amount, row.Crypto, row.TxHash,
        row.Status == BoostStatus.Active && row.EndsAt <= now ? BoostStatus.Expired : row.Status, row.StatusReason, row.VerifiedAt, row.StartsAt,
        row.EndsAt, row.CreatedAt);
}

internal sealed record BoostEnvelope(BoostView Boost);

internal sealed record BoostedPost(PostView Post, BoostView Boost);

internal sealed record BoostedPage(IReadOnlyList<BoostedPost> Posts, int Page, int Limit, int Total, bool HasMore);

internal sealed record BoostJobPayload(string BoostId, int Recheck);

/// <summary>
/// Boosts: paid for on chain (<c>eth</c>), one transaction hash per payment across boosts, tips
/// and ads, verified through <see cref="IChainVerifier"/>; a verified boost is active for its
/// duration from the moment it was verified. Without a configured node or recipient a boost stays
/// <c>pending</c> and says why.
/// </summary>
internal sealed partial class BoostService(
    MindstackDbContext db,
    PostService posts,
    PostViews views,
    UsedTransactions used,
    IChainVerifier verifier,
    IJobQueue jobs,
    IIdGenerator ids,
    TimeProvider clock,
    IOptions<BoostOptions> options)
{
    public static readonly IReadOnlyList<string> Cryptos = ["eth"];

    [GeneratedRegex("^0x[0-9a-fA-F]{64}$")]
    private static partial Regex TxHashPattern();

    [GeneratedRegex("^0x[0-9a-fA-F]{40}$")]
    internal static partial Regex AddressPattern();

    public async Task<BoostView> BoostAsync(Caller caller, string postId, BoostRequest request, CancellationToken ct)
    {
        var settings = options.Value;
        var errors = new List<FieldError>();
        if (request.Duration is not { } hours || hours < 1 || hours > settings.MaxDurationHours)
        {
            errors.Add(new FieldError("duration", $"duration must be a whole number of hours from 1 to {settings.MaxDurationHours}"));
        }
        var crypto = (request.Crypto ?? "").Trim().ToLowerInvariant();
        if (!Cryptos.Contains(crypto))
        {
            errors.Add(new FieldError("crypto", "crypto must be one of " + string.Join(", ", Cryptos)));
        }
        BigInteger wei = default;
        if (!decimal.TryParse(request.Amount, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) || amount <= 0
            || amount > 1_000_000m || decimal.Round(amount, 18) != amount)
        {
            errors.Add(new FieldError("amount", "amount must be a positive decimal string such as \"0.01\""));
        }
        else
        {
            wei = new BigInteger(amount * 1_000_000_000m) * BigInteger.Pow(10, 9);
            if (wei.IsZero)
            {
                errors.Add(new FieldError("amount", "amount is smaller than one gwei"));
            }
        }
        var txHash = (request.TxHash ?? "").Trim();
        if (!TxHashPattern().IsMatch(txHash))
        {
            errors.Add(new FieldError("txHash", "txHash must be a transaction hash (0x and 64 hex digits)"));
        }
        if (errors.Count > 0)
        {
            throw Problem.Invalid(errors);
        }
        var post = await posts.RequireVisibleAsync(postId, caller.AccountId, ct);
        if (post.AuthorId != caller.AccountId)
        {
            throw Problem.Forbidden("You can only boost your own posts", "NOT_POST_OWNER");
        }
        if (await used.IsClaimedAsync(txHash, ct))
        {
            throw Problem.Conflict("This transaction hash has already been used for a payment", "TX_HASH_USED");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new BoostRow
        {
            Id = ids.New("boost"),
            PostId = post.Id,
            AccountId = caller.AccountId,
            DurationHours = request.Duration!.Value,
            Amount = amount.ToString(CultureInfo.InvariantCulture),
            Crypto = crypto,
            TxHash = UsedTransactions.Normalize(txHash),
            Status = BoostStatus.Pending,
            CreatedAt = now,
        };
        db.Add(row);
        used.Claim(txHash, "boost", row.Id, caller.AccountId);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await used.IsClaimedAsync(txHash, ct))
            {
                throw Problem.Conflict("This transaction hash has already been used for a payment", "TX_HASH_USED");
            }
            throw;
        }
        await VerifyAsync(row, wei, 0, ct);
        return BoostView.Of(row, clock.GetUtcNow().UtcDateTime);
    }

    /// <summary>Checks a pending boost's payment and records the outcome; a still-undecided payment is checked again later.</summary>
    public async Task VerifyAsync(BoostRow row, BigInteger wei, int recheck, CancellationToken ct)
    {
        var settings = options.Value;
        ChainVerification result;
        if (!verifier.Configured)
        {
            result = new ChainVerification(ChainVerdict.Pending, EthereumChainVerifier.NotConfiguredReason);
        }
        else if (string.IsNullOrWhiteSpace(settings.RecipientAddress))
        {
            result = new ChainVerification(ChainVerdict.Pending,
                $"Awaiting verification: no boost payment address is configured on this server (the operator sets {BoostOptions.Section}:RecipientAddress)");
        }
        else
        {
            result = await verifier.VerifyAsync(new ChainPayment(row.TxHash, settings.RecipientAddress, wei), ct);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        row.StatusReason = result.Reason;
        switch (result.Verdict)
        {
            case ChainVerdict.Verified:
                row.Status = BoostStatus.Active;
                row.VerifiedAt = now;
                row.StartsAt = now;
                row.EndsAt = now.AddHours(row.DurationHours);
                break;
            case ChainVerdict.Failed:
                row.Status = BoostStatus.Failed;
                break;
            case ChainVerdict.Pending:
                // Only a configured verifier can change its mind; without one the operator must configure it first.
                if (verifier.Configured && !string.IsNullOrWhiteSpace(settings.RecipientAddress) && recheck < settings.MaxRechecks)
                {
                    jobs.Enqueue<VerifyBoostJob>(new BoostJobPayload(row.Id, recheck + 1), new JobOptions { RunAt = now + settings.RecheckInterval });
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(row), result.Verdict, "unknown verdict");
        }
        await db.SaveChangesAsync(ct);
    }

    public static BigInteger Wei(string amount) =>
        new BigInteger(decimal.Parse(amount, CultureInfo.InvariantCulture) * 1_000_000_000m) * BigInteger.Pow(10, 9);

    /// <summary>Posts with an active boost now, the most recently verified first.</summary>
    public async Task<BoostedPage> BoostedAsync(string? viewerId, PageRequest page, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var active = db.Set<BoostRow>().AsNoTracking().Where(b => b.Status == BoostStatus.Active && b.EndsAt > now)
            .Join(Moderation.Bans.WithoutShadowBanned(db.Set<PostRow>().Where(p => p.DeletedAt == null && p.PublishedAt != null), db, now, viewerId), b => b.PostId, p => p.Id, (b, p) => new { Boost = b, Post = p });
        var total = await active.CountAsync(ct);
        var rows = await active.OrderByDescending(x => x.Boost.VerifiedAt).ThenByDescending(x => x.Boost.Id)
            .Skip(page.Offset).Take(page.Limit).ToListAsync(ct);
        var postViews = await views.ManyAsync(rows.Select(r => r.Post).ToList(), viewerId, ct);
        var items = rows.Select((r, i) => new BoostedPost(postViews[i], BoostView.Of(r.Boost, now))).ToList();
        return new BoostedPage(items, page.Page, page.Limit, total, page.Offset + items.Count < total);
    }
}

/// <summary>Checks a pending boost's payment again (the transaction was not mined or confirmed, or the node was down).</summary>
internal sealed class VerifyBoostJob(MindstackDbContext db, BoostService boosts) : JobHandler<BoostJobPayload>
{
    public const string Name = "mindswarm.verify-boost";

    public override async Task ExecuteAsync(BoostJobPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var row = await db.Set<BoostRow>().FirstOrDefaultAsync(b => b.Id == payload.BoostId, cancellationToken);
        if (row is null || row.Status != BoostStatus.Pending)
        {
            return;
        }
        await boosts.VerifyAsync(row, BoostService.Wei(row.Amount), payload.Recheck, cancellationToken);
    }
}

/// <summary>Section 2: <c>POST /api/posts/{postId}/boost</c> and <c>GET /api/posts/boosted</c>.</summary>
internal static class BoostEndpoints
{
    public static IServiceCollection AddMindSwarmBoosts(this IServiceCollection services)
    {
        services.AddOptions<ChainOptions>().BindConfiguration(ChainOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChainOptions>, ChainOptionsValidator>());
        services.AddOptions<BoostOptions>().BindConfiguration(BoostOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BoostOptions>, BoostOptionsValidator>());
        services.AddHttpClient(EthereumChainVerifier.HttpClientName);
        services.TryAddScoped<IChainVerifier, EthereumChainVerifier>();
        services.TryAddScoped<UsedTransactions>();
        services.TryAddScoped<BoostService>();
        services.AddModelContributor<UsedTransactionModel>();
        services.AddModelContributor<BoostModel>();
        services.AddJobHandler<VerifyBoostJob>(VerifyBoostJob.Name, o => o.MaxAttempts = 5);
        return services;
    }

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/posts/boosted", Boosted).WithSummary("Posts with an active (verified, unexpired) boost").ProducesEnvelope<BoostedPage>();
        api.MapPost("/posts/{postId}/boost", Boost).RequireVerifiedEmail()
            .WithSummary("Boost your post for a duration, paid on chain (txHash); verified against the configured node, else pending")
            .ProducesEnvelope<BoostEnvelope>(StatusCodes.Status201Created);
    }

    private static async Task<IResult> Boost(string postId, Body<BoostRequest> body, Caller caller, BoostService boosts, MindSwarmDialect dialect,
        CancellationToken ct) =>
        dialect.Ok(new BoostEnvelope(await boosts.BoostAsync(caller, postId, body.Value, ct)), StatusCodes.Status201Created);

    private static async Task<IResult> Boosted(HttpContext context, BoostService boosts, MindSwarmDialect dialect, CancellationToken ct)
    {
        var caller = await context.GetCallerAsync();
        return dialect.Ok(await boosts.BoostedAsync(caller?.AccountId, Query.Pages(context.Request, 20, 50), ct));
    }
}
