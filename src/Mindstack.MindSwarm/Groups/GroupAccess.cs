using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Groups;

internal static class GroupPrivacy
{
    public const string Public = "public";
    public const string Private = "private";
    public const string Secret = "secret";
    public static readonly IReadOnlyList<string> All = [Public, Private, Secret];
}

internal static class MembershipStatus
{
    public const string Active = "active";
    public const string Pending = "pending";
}

/// <summary>
/// The four roles, ranked. An action on another member needs a rank above theirs (see the README's
/// matrix): the owner acts on everyone, an admin on moderators and members, a moderator on members.
/// </summary>
internal static class GroupRoles
{
    public const string Owner = "owner";
    public const string Admin = "admin";
    public const string Moderator = "moderator";
    public const string Member = "member";

    /// <summary>Roles that can be given with <c>PUT …/role</c> (ownership is never handed out).</summary>
    public static readonly IReadOnlyList<string> Assignable = [Admin, Moderator, Member];

    public static int Rank(string? role) => role switch
    {
        Owner => 3,
        Admin => 2,
        Moderator => 1,
        Member => 0,
        _ => -1,
    };
}

/// <summary>Who may see a group and its posts: shared with the post rules (a group post is read by those who may read the group).</summary>
internal static class GroupAccess
{
    public static Task<bool> IsActiveMemberAsync(MindstackDbContext db, string groupId, string? accountId, CancellationToken ct) =>
        accountId is null
            ? Task.FromResult(false)
            : db.Set<GroupMemberRow>().AnyAsync(m => m.GroupId == groupId && m.AccountId == accountId && m.Status == MembershipStatus.Active, ct);

    /// <summary>
    /// A group post is readable when its group is public or the viewer is an active member, and its
    /// author is not banned from the group.
    /// </summary>
    public static async Task<bool> CanReadPostAsync(MindstackDbContext db, string groupId, string authorId, string? viewerId, CancellationToken ct)
    {
        var privacy = await db.Set<GroupRow>().Where(g => g.Id == groupId).Select(g => g.Privacy).FirstOrDefaultAsync(ct);
        if (privacy is null || await db.Set<GroupBanRow>().AnyAsync(b => b.GroupId == groupId && b.AccountId == authorId, ct))
        {
            return false;
        }
        return privacy == GroupPrivacy.Public || await IsActiveMemberAsync(db, groupId, viewerId, ct);
    }

    /// <summary>Groups a viewer may see listed: all but secret ones, and the secret ones the viewer belongs to.</summary>
    public static IQueryable<GroupRow> Listed(MindstackDbContext db, string? viewerId)
    {
        var groups = db.Set<GroupRow>().AsNoTracking();
        if (viewerId is null)
        {
            return groups.Where(g => g.Privacy != GroupPrivacy.Secret);
        }
        var mine = db.Set<GroupMemberRow>().Where(m => m.AccountId == viewerId && m.Status == MembershipStatus.Active).Select(m => m.GroupId);
        return groups.Where(g => g.Privacy != GroupPrivacy.Secret || mine.Contains(g.Id));
    }

    /// <summary>A group by id or slug the viewer may see; a secret group is 404 to non-members.</summary>
    public static async Task<GroupRow> RequireVisibleAsync(MindstackDbContext db, string idOrSlug, string? viewerId, CancellationToken ct, bool tracked = false)
    {
        var key = idOrSlug?.Trim() ?? "";
        var slug = key.ToLowerInvariant();
        var groups = tracked ? db.Set<GroupRow>() : db.Set<GroupRow>().AsNoTracking();
        var row = key.Length is 0 or > 80 ? null : await groups.FirstOrDefaultAsync(g => g.Id == key || g.Slug == slug, ct);
        if (row is null || (row.Privacy == GroupPrivacy.Secret && !await IsActiveMemberAsync(db, row.Id, viewerId, ct)))
        {
            throw Problem.NotFound("Group not found", "GROUP_NOT_FOUND");
        }
        return row;
    }
}
