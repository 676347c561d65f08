using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Storage;

internal sealed class MindSwarmModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ProfileRow>(e =>
        {
            e.ToTable("mindswarm_profiles");
            e.HasKey(x => x.AccountId);
            e.HasIndex(x => x.ReferralCode).IsUnique();
            e.HasIndex(x => x.AccountId, "ix_mindswarm_profiles_private").HasFilter("\"is_private\"");
            e.Ignore(x => x.BadgeList);
        });
        modelBuilder.Entity<PostRow>(e =>
        {
            e.ToTable("mindswarm_posts");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.ShortId).IsUnique();
            e.HasIndex(x => new { x.AuthorId, x.PublishedAt, x.Id });
            e.HasIndex(x => new { x.PublishedAt, x.Id });
            e.HasIndex(x => new { x.ReplyToId, x.PublishedAt });
            e.HasIndex(x => x.QuotedPostId);
            e.HasIndex(x => x.RepostOfId);
            e.HasIndex(x => new { x.PollClosed, x.PollEndsAt });
            e.HasIndex(x => new { x.ScheduledAt, x.PublishedAt });
        });
        modelBuilder.Entity<PostEditRow>(e =>
        {
            e.ToTable("mindswarm_post_edits");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.PostId, x.EditedAt });
        });
        modelBuilder.Entity<PollOptionRow>(e =>
        {
            e.ToTable("mindswarm_poll_options");
            e.HasKey(x => new { x.PostId, x.Position });
        });
        modelBuilder.Entity<PollVoteRow>(e =>
        {
            e.ToTable("mindswarm_poll_votes");
            e.HasKey(x => new { x.PostId, x.AccountId });
        });
        modelBuilder.Entity<LikeRow>(e =>
        {
            e.ToTable("mindswarm_likes");
            e.HasKey(x => new { x.PostId, x.AccountId });
            e.HasIndex(x => new { x.AccountId, x.CreatedAt });
        });
        modelBuilder.Entity<SaveRow>(e =>
        {
            e.ToTable("mindswarm_saves");
            e.HasKey(x => new { x.PostId, x.AccountId });
            e.HasIndex(x => new { x.AccountId, x.CreatedAt });
        });
        modelBuilder.Entity<PinRow>(e =>
        {
            e.ToTable("mindswarm_pins");
            e.HasKey(x => new { x.AccountId, x.PostId });
        });
        modelBuilder.Entity<HashtagRow>(e =>
        {
            e.ToTable("mindswarm_hashtags");
            e.HasKey(x => new { x.PostId, x.Tag });
            e.HasIndex(x => new { x.Tag, x.CreatedAt });
        });
        modelBuilder.Entity<MentionRow>(e =>
        {
            e.ToTable("mindswarm_mentions");
            e.HasKey(x => new { x.PostId, x.AccountId });
            e.HasIndex(x => x.AccountId);
        });
        modelBuilder.Entity<PostViewRow>(e =>
        {
            e.ToTable("mindswarm_post_views");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.PostId, x.ViewedAt });
        });
        modelBuilder.Entity<FollowRow>(e =>
        {
            e.ToTable("mindswarm_follows");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.FollowerId, x.FollowingId }).IsUnique();
            e.HasIndex(x => new { x.FollowingId, x.Status, x.CreatedAt });
            e.HasIndex(x => new { x.FollowerId, x.Status, x.CreatedAt });
        });
        modelBuilder.Entity<BlockRow>(e =>
        {
            e.ToTable("mindswarm_blocks");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.BlockerId, x.BlockedId }).IsUnique();
            e.HasIndex(x => x.BlockedId);
        });
        modelBuilder.Entity<MuteRow>(e =>
        {
            e.ToTable("mindswarm_mutes");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.MuterId, x.MutedId }).IsUnique();
        });
        modelBuilder.Entity<DeveloperAppRow>(e =>
        {
            e.ToTable("mindswarm_developer_apps");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.AccountId);
            e.HasIndex(x => x.KeyId).IsUnique();
        });
        modelBuilder.Entity<SpentChallengeRow>(e =>
        {
            e.ToTable("mindswarm_spent_challenges");
            e.HasKey(x => x.Nonce);
        });
        modelBuilder.Entity<InstallationSecretRow>(e =>
        {
            e.ToTable("mindswarm_installation_secrets");
            e.HasKey(x => x.Name);
        });
    }
}

internal sealed class MindSwarmInitialMigration : SchemaMigration
{
    public override string Id => "2026120601_mindswarm_initial";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_profiles",
            columns: t => new
            {
                account_id = t.Column<string>(maxLength: 64),
                display_name = t.Column<string>(maxLength: 100, nullable: true),
                bio = t.Column<string>(maxLength: 500, nullable: true),
                location = t.Column<string>(maxLength: 100, nullable: true),
                website = t.Column<string>(maxLength: 300, nullable: true),
                avatar = t.Column<string>(maxLength: 500, nullable: true),
                banner = t.Column<string>(maxLength: 500, nullable: true),
                social_links_json = t.Column<string>(),
                crypto_addresses_json = t.Column<string>(),
                badges = t.Column<string>(maxLength: 500),
                settings_json = t.Column<string>(),
                is_private = t.Column<bool>(),
                referral_code = t.Column<string>(maxLength: 16),
                referred_by = t.Column<string>(maxLength: 64, nullable: true),
                follower_count = t.Column<int>(),
                following_count = t.Column<int>(),
                post_count = t.Column<int>(),
                created_at = t.Column<DateTime>(),
                updated_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_profiles", x => x.account_id));
        migration.CreateIndex("ix_mindswarm_profiles_referral_code", "mindswarm_profiles", "referral_code", unique: true);

        migration.CreateTable(
            name: "mindswarm_posts",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                short_id = t.Column<string>(maxLength: 16),
                author_id = t.Column<string>(maxLength: 64),
                content = t.Column<string>(maxLength: 4000),
                media_json = t.Column<string>(),
                reply_to_id = t.Column<string>(maxLength: 64, nullable: true),
                thread_root_id = t.Column<string>(maxLength: 64, nullable: true),
                quoted_post_id = t.Column<string>(maxLength: 64, nullable: true),
                repost_of_id = t.Column<string>(maxLength: 64, nullable: true),
                group_id = t.Column<string>(maxLength: 64, nullable: true),
                reply_audience = t.Column<string>(maxLength: 16),
                content_warning = t.Column<string>(maxLength: 200, nullable: true),
                poll_ends_at = t.Column<DateTime>(nullable: true),
                poll_closed = t.Column<bool>(),
                scheduled_at = t.Column<DateTime>(nullable: true),
                published_at = t.Column<DateTime>(nullable: true),
                is_ai_generated = t.Column<bool>(),
                via_app_id = t.Column<string>(maxLength: 64, nullable: true),
                ai_detection_json = t.Column<string>(nullable: true),
                ai_verdict = t.Column<string>(maxLength: 16, nullable: true),
                link_preview_json = t.Column<string>(nullable: true),
                like_count = t.Column<int>(),
                reply_count = t.Column<int>(),
                repost_count = t.Column<int>(),
                quote_count = t.Column<int>(),
                save_count = t.Column<int>(),
                view_count = t.Column<int>(),
                reply_blurred = t.Column<bool>(),
                created_at = t.Column<DateTime>(),
                updated_at = t.Column<DateTime>(),
                edited_at = t.Column<DateTime>(nullable: true),
                deleted_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_posts", x => x.id));
        migration.CreateIndex("ix_mindswarm_posts_short_id", "mindswarm_posts", "short_id", unique: true);
        migration.CreateIndex("ix_mindswarm_posts_author_id_published_at_id", "mindswarm_posts", ["author_id", "published_at", "id"]);
        migration.CreateIndex("ix_mindswarm_posts_published_at_id", "mindswarm_posts", ["published_at", "id"]);
        migration.CreateIndex("ix_mindswarm_posts_reply_to_id_published_at", "mindswarm_posts", ["reply_to_id", "published_at"]);
        migration.CreateIndex("ix_mindswarm_posts_quoted_post_id", "mindswarm_posts", "quoted_post_id");
        migration.CreateIndex("ix_mindswarm_posts_repost_of_id", "mindswarm_posts", "repost_of_id");
        migration.CreateIndex("ix_mindswarm_posts_poll_closed_poll_ends_at", "mindswarm_posts", ["poll_closed", "poll_ends_at"]);
        migration.CreateIndex("ix_mindswarm_posts_scheduled_at_published_at", "mindswarm_posts", ["scheduled_at", "published_at"]);

        migration.CreateTable(
            name: "mindswarm_post_edits",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                post_id = t.Column<string>(maxLength: 64),
                content = t.Column<string>(maxLength: 4000),
                edited_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_post_edits", x => x.id));
        migration.CreateIndex("ix_mindswarm_post_edits_post_id_edited_at", "mindswarm_post_edits", ["post_id", "edited_at"]);

        migration.CreateTable(
            name: "mindswarm_poll_options",
            columns: t => new
            {
                post_id = t.Column<string>(maxLength: 64),
                position = t.Column<int>(),
                text = t.Column<string>(maxLength: 200),
                votes = t.Column<int>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_poll_options", x => new { x.post_id, x.position }));

        migration.CreateTable(
            name: "mindswarm_poll_votes",
            columns: t => new
            {
                post_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                position = t.Column<int>(),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_poll_votes", x => new { x.post_id, x.account_id }));

        migration.CreateTable(
            name: "mindswarm_likes",
            columns: t => new
            {
                post_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_likes", x => new { x.post_id, x.account_id }));
        migration.CreateIndex("ix_mindswarm_likes_account_id_created_at", "mindswarm_likes", ["account_id", "created_at"]);

        migration.CreateTable(
            name: "mindswarm_saves",
            columns: t => new
            {
                post_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                collection = t.Column<string>(maxLength: 100, nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_saves", x => new { x.post_id, x.account_id }));
        migration.CreateIndex("ix_mindswarm_saves_account_id_created_at", "mindswarm_saves", ["account_id", "created_at"]);

        migration.CreateTable(
            name: "mindswarm_pins",
            columns: t => new
            {
                account_id = t.Column<string>(maxLength: 64),
                post_id = t.Column<string>(maxLength: 64),
                position = t.Column<int>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_pins", x => new { x.account_id, x.post_id }));

        migration.CreateTable(
            name: "mindswarm_hashtags",
            columns: t => new
            {
                post_id = t.Column<string>(maxLength: 64),
                tag = t.Column<string>(maxLength: 100),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_hashtags", x => new { x.post_id, x.tag }));
        migration.CreateIndex("ix_mindswarm_hashtags_tag_created_at", "mindswarm_hashtags", ["tag", "created_at"]);

        migration.CreateTable(
            name: "mindswarm_mentions",
            columns: t => new
            {
                post_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_mentions", x => new { x.post_id, x.account_id }));
        migration.CreateIndex("ix_mindswarm_mentions_account_id", "mindswarm_mentions", "account_id");

        migration.CreateTable(
            name: "mindswarm_post_views",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                post_id = t.Column<string>(maxLength: 64),
                viewer_id = t.Column<string>(maxLength: 64, nullable: true),
                referrer = t.Column<string>(maxLength: 300, nullable: true),
                viewed_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_post_views", x => x.id));
        migration.CreateIndex("ix_mindswarm_post_views_post_id_viewed_at", "mindswarm_post_views", ["post_id", "viewed_at"]);

        migration.CreateTable(
            name: "mindswarm_follows",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                follower_id = t.Column<string>(maxLength: 64),
                following_id = t.Column<string>(maxLength: 64),
                status = t.Column<string>(maxLength: 16),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_follows", x => x.id));
        migration.CreateIndex("ix_mindswarm_follows_follower_id_following_id", "mindswarm_follows", ["follower_id", "following_id"], unique: true);
        migration.CreateIndex("ix_mindswarm_follows_following_id_status_created_at", "mindswarm_follows", ["following_id", "status", "created_at"]);
        migration.CreateIndex("ix_mindswarm_follows_follower_id_status_created_at", "mindswarm_follows", ["follower_id", "status", "created_at"]);

        migration.CreateTable(
            name: "mindswarm_blocks",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                blocker_id = t.Column<string>(maxLength: 64),
                blocked_id = t.Column<string>(maxLength: 64),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_blocks", x => x.id));
        migration.CreateIndex("ix_mindswarm_blocks_blocker_id_blocked_id", "mindswarm_blocks", ["blocker_id", "blocked_id"], unique: true);
        migration.CreateIndex("ix_mindswarm_blocks_blocked_id", "mindswarm_blocks", "blocked_id");

        migration.CreateTable(
            name: "mindswarm_mutes",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                muter_id = t.Column<string>(maxLength: 64),
                muted_id = t.Column<string>(maxLength: 64),
                expires_at = t.Column<DateTime>(nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_mutes", x => x.id));
        migration.CreateIndex("ix_mindswarm_mutes_muter_id_muted_id", "mindswarm_mutes", ["muter_id", "muted_id"], unique: true);

        migration.CreateTable(
            name: "mindswarm_developer_apps",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                name = t.Column<string>(maxLength: 100),
                description = t.Column<string>(maxLength: 500, nullable: true),
                website = t.Column<string>(maxLength: 300, nullable: true),
                key_id = t.Column<string>(maxLength: 64),
                status = t.Column<string>(maxLength: 16),
                requests_per_minute = t.Column<int>(),
                requests_per_day = t.Column<int>(),
                created_at = t.Column<DateTime>(),
                updated_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_developer_apps", x => x.id));
        migration.CreateIndex("ix_mindswarm_developer_apps_account_id", "mindswarm_developer_apps", "account_id");
        migration.CreateIndex("ix_mindswarm_developer_apps_key_id", "mindswarm_developer_apps", "key_id", unique: true);

        migration.CreateTable(
            name: "mindswarm_spent_challenges",
            columns: t => new
            {
                nonce = t.Column<string>(maxLength: 64),
                expires_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_spent_challenges", x => x.nonce));

        migration.CreateTable(
            name: "mindswarm_installation_secrets",
            columns: t => new
            {
                name = t.Column<string>(maxLength: 64),
                value = t.Column<string>(maxLength: 4000),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_installation_secrets", x => x.name));
    }
}

/// <summary>
/// Every post query a viewer makes leaves out private accounts they do not follow (<c>WHERE
/// is_private</c>): this partial index holds only the private profiles, so that subquery reads them,
/// not every profile (a scan of 50k rows per feed page; a plain index on a boolean is scanned whole).
/// </summary>
internal sealed class MindSwarmFeedIndexesMigration : SchemaMigration
{
    public override string Id => "2026120740_mindswarm_feed_indexes";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider) =>
        migration.CreateIndex("ix_mindswarm_profiles_private", "mindswarm_profiles", "account_id", filter: "\"is_private\"");
}

/// <summary>
/// The timeline index: author, time and id of the posts a timeline shows (published, not deleted,
/// not in a group, not a reply). The <c>following</c> feed sorts its followed authors' posts and
/// takes a page's ids from this index alone (no table row read for a post that does not make the
/// page); SQLite and PostgreSQL use a partial index when the query repeats its conditions, as the
/// feed queries do. The condition's columns (always null here) are in the index too: SQLite
/// counts a partial index as covering only when it holds every column the query names.
/// </summary>
internal sealed class MindSwarmTimelineIndexMigration : SchemaMigration
{
    public override string Id => "2026120750_mindswarm_timeline_index";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider) =>
        migration.CreateIndex("ix_mindswarm_posts_timeline", "mindswarm_posts", ["author_id", "published_at", "id", "deleted_at", "group_id", "reply_to_id"],
            filter: "\"published_at\" IS NOT NULL AND \"deleted_at\" IS NULL AND \"group_id\" IS NULL AND \"reply_to_id\" IS NULL");
}
