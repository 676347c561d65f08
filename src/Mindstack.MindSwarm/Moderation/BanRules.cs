using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Realtime;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Moderation;

/// <summary>The document's report targets, as it spells them.</summary>
internal static class ReportTargets
{
    public const string Post = "post";
    public const string User = "user";
    public const string Group = "group";
    public const string Message = "message";

    public static readonly IReadOnlyList<string> All = [Post, User, Group, Message];

    /// <summary>How the document writes it: <c>Post</c>, <c>User</c>, <c>Group</c>, <c>Message</c>.</summary>
    public static string Display(string type) => char.ToUpperInvariant(type[0]) + type[1..];
}

internal static class ReportCategories
{
    public static readonly IReadOnlyList<string> All =
        ["spam", "harassment", "violence", "sexual_content", "misinformation", "impersonation", "copyright", "self_harm", "other"];
}

internal static class ReportStatus
{
    public const string Pending = "pending";
    public const string Resolved = "resolved";
    public const string Dismissed = "dismissed";
}

/// <summary>What a review does: nothing (<c>dismiss</c>), take the content down (<c>remove</c>), warn or ban the answerable account.</summary>
internal static class ReviewActions
{
    public const string Dismiss = "dismiss";
    public const string Remove = "remove";
    public const string Warn = "warn";
    public const string Ban = "ban";

    public static readonly IReadOnlyList<string> All = [Dismiss, Remove, Warn, Ban];
}

internal static class WarningLevels
{
    public const string Minor = "minor";
    public const string Major = "major";
    public const string Final = "final";

    public static readonly IReadOnlyList<string> All = [Minor, Major, Final];

    /// <summary>Final warnings that ban the account (the document: "two finals = auto-ban").</summary>
    public const int FinalsToBan = 2;
}

internal static class BanTypes
{
    public const string Temporary = "temporary";
    public const string Permanent = "permanent";
    public const string Ip = "ip";
    public const string Shadow = "shadow";

    public static readonly IReadOnlyList<string> All = [Temporary, Permanent, Ip, Shadow];

    /// <summary>Bans that keep the account out (sign-in and writes refused); a shadow ban does not.</summary>
    public static bool Blocks(string type) => type != Shadow;
}

internal static class AppealStatus
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
}

/// <summary>
/// The queries every ban check is made of, composed into larger queries (no copy per surface).
/// A ban is active while it is not lifted and its end (if any) is still ahead.
/// </summary>
internal static partial class Bans
{
    /// <summary>The longest a ban may be given for (longer: permanent).</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(3650);

    public static IQueryable<BanRow> Active(MindstackDbContext db, DateTime now) =>
        db.Set<BanRow>().Where(b => b.LiftedAt == null && (b.ExpiresAt == null || b.ExpiresAt > now));

    /// <summary>Accounts under an active shadow ban.</summary>
    public static IQueryable<string> ShadowBanned(MindstackDbContext db, DateTime now) =>
        Active(db, now).Where(b => b.Type == BanTypes.Shadow).Select(b => b.AccountId);

    /// <summary>
    /// The one filter every post query applies: a shadow-banned account's posts are left out for
    /// everyone but the account itself.
    /// </summary>
    public static IQueryable<PostRow> WithoutShadowBanned(IQueryable<PostRow> posts, MindstackDbContext db, DateTime now, string? viewerId)
    {
        var shadowed = ShadowBanned(db, now);
        return viewerId is null
            ? posts.Where(p => !shadowed.Contains(p.AuthorId))
            : posts.Where(p => p.AuthorId == viewerId || !shadowed.Contains(p.AuthorId));
    }

    /// <summary>The active ban keeping this account (or this address, by an ip ban) out, the longest first; null when none.</summary>
    public static Task<BanRow?> BlockingAsync(MindstackDbContext db, DateTime now, string? accountId, string? address, CancellationToken ct)
    {
        var ip = address is null or "unknown" ? null : address;
        if (accountId is null && ip is null)
        {
            return Task.FromResult<BanRow?>(null);
        }
        return Blocking.For(db)(db, now, accountId, ip, ct);
    }

    // Every write of every caller runs this (the ban gate), so it is compiled once per model: no LINQ
    // tree to build, walk and hash per request. The predicate is Active's, written out (a compiled
    // query cannot call it).
    private static readonly CompiledQuery<Func<MindstackDbContext, DateTime, string?, string?, CancellationToken, Task<BanRow?>>> Blocking = new(() =>
        EF.CompileAsyncQuery((MindstackDbContext db, DateTime now, string? accountId, string? ip, CancellationToken _) =>
            db.Set<BanRow>().AsNoTracking()
                .Where(b => b.LiftedAt == null && (b.ExpiresAt == null || b.ExpiresAt > now))
                .Where(b => b.Type != BanTypes.Shadow
                    && ((accountId != null && b.AccountId == accountId) || (ip != null && b.Type == BanTypes.Ip && b.Ip == ip)))
                .OrderBy(b => b.ExpiresAt == null ? 0 : 1).ThenByDescending(b => b.ExpiresAt)
                .FirstOrDefault()));

    /// <summary>The document's 403 for a banned account, saying until when.</summary>
    public static Problem Refusal(BanRow ban) => Problem.Forbidden(
        ban.ExpiresAt is { } until
            ? $"Your account is banned until {until.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}: {ban.Reason}"
            : $"Your account is banned: {ban.Reason}",
        "ACCOUNT_BANNED");

    /// <summary><c>30m</c>, <c>12h</c>, <c>7d</c>, <c>2w</c>: how long a ban lasts.</summary>
    public static TimeSpan? ParseDuration(string? text)
    {
        var match = DurationPattern().Match(text?.Trim() ?? "");
        if (!match.Success || !int.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            return null;
        }
        var span = match.Groups[2].Value.ToLowerInvariant() switch
        {
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            "d" => TimeSpan.FromDays(n),
            _ => TimeSpan.FromDays(7.0 * n),
        };
        return span <= MaxDuration ? span : null;
    }

    /// <summary>An address as it is compared with <see cref="ClientAddress.Of"/> (IPv4 mapped into IPv6 shown as IPv4).</summary>
    public static string? NormalizeIp(string? text)
    {
        if (!IPAddress.TryParse(text?.Trim() ?? "", out var address))
        {
            return null;
        }
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    [GeneratedRegex(@"^(\d{1,5})\s*([mhdwMHDW])$")]
    private static partial Regex DurationPattern();
}

/// <summary>Marks an endpoint a banned account may still use (filing an appeal).</summary>
internal sealed class AllowBannedMetadata
{
    public static readonly AllowBannedMetadata Instance = new();
}

/// <summary>Keeps banned accounts and addresses out: no writes, no app-key use, no new sessions.</summary>
internal static class BanGate
{
    /// <summary>
    /// On every route: a write (any method but GET/HEAD/OPTIONS) by a banned account or from a
    /// banned address, and any request with a banned owner's app key, is refused with 403
    /// <c>ACCOUNT_BANNED</c>. Sessions of a banned account are ended when it is banned, so reads with
    /// a token need no check here.
    /// </summary>
    public static TBuilder RefuseBanned<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var write = !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
            var caller = http.PeekCaller();
            if ((write || caller is { IsApiKey: true }) && http.GetEndpoint()?.Metadata.GetMetadata<AllowBannedMetadata>() is null)
            {
                var db = http.RequestServices.GetRequiredService<MindstackDbContext>();
                var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
                if (await Bans.BlockingAsync(db, now, caller?.AccountId, write ? ClientAddress.Of(http) : null, http.RequestAborted) is { } ban)
                {
                    throw Bans.Refusal(ban);
                }
            }
            return await next(context);
        });

    /// <summary>
    /// A session just started (password, magic link, refresh) for a banned account is ended at once
    /// and refused with the document's 403; the ban's end (if any) is in the message.
    /// </summary>
    public static async Task RefuseBannedSessionAsync(this HttpContext http, TokenPair pair, CancellationToken ct)
    {
        var db = http.RequestServices.GetRequiredService<MindstackDbContext>();
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        if (await Bans.BlockingAsync(db, now, pair.Account.Id, ClientAddress.Of(http), ct) is { } ban)
        {
            await http.RequestServices.GetRequiredService<ISessionService>().RevokeSessionAsync(pair.Account.Id, pair.SessionId, "banned", ct);
            throw Bans.Refusal(ban);
        }
    }
}

/// <summary>
/// A banned account holds no socket: on every node, when the account's callers change (a ban
/// publishes that change), its open MindSwarm sockets are closed — those signed in with a session
/// (already closed with their revoked session) and those opened with an owner's app key, which no
/// session revocation reaches. A shadow ban is not to be noticed, so it closes nothing.
/// </summary>
internal sealed class BannedSocketCheck(TimeProvider clock) : IRealtimeCallerCheck
{
    public string Api => MindSwarmApi.Name;

    public async Task<bool> MayStayAsync(RealtimeCaller caller, IServiceProvider services, CancellationToken cancellationToken) =>
        await Bans.BlockingAsync(services.GetRequiredService<MindstackDbContext>(), clock.GetUtcNow().UtcDateTime, caller.SubjectId, null,
            cancellationToken) is null;
}
