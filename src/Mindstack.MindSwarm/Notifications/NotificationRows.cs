using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Notifications;

/// <summary>One notification of one account: what happened, who did it, to what.</summary>
internal sealed class NotificationRow
{
    public required string Id { get; set; }
    /// <summary>The account notified.</summary>
    public required string AccountId { get; set; }
    public required string Type { get; set; }
    public string? ActorId { get; set; }
    /// <summary>What it is about: a follow (request) id, a conversation id, a group id…</summary>
    public string? TargetId { get; set; }
    public string? PostId { get; set; }
    public string? Message { get; set; }
    public bool Read { get; set; }
    /// <summary>What caused it (a domain event id and the recipient), so a redelivered event notifies once.</summary>
    public string? SourceKey { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>An account's email and push choices, as JSON <c>{email: {enabled, likes…}, push: {…}}</c>; absent keys are on.</summary>
internal sealed class NotificationPreferenceRow
{
    public required string AccountId { get; set; }
    public required string Json { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A browser's Web Push subscription (its endpoint and the keys to encrypt for it).</summary>
internal sealed class PushSubscriptionRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string Endpoint { get; set; }
    public required string P256dh { get; set; }
    public required string Auth { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class NotificationModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<NotificationRow>(e =>
        {
            e.ToTable("mindswarm_notifications");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AccountId, x.CreatedAt });
            e.HasIndex(x => new { x.AccountId, x.Read });
            e.HasIndex(x => x.SourceKey).IsUnique();
        });
        modelBuilder.Entity<NotificationPreferenceRow>(e =>
        {
            e.ToTable("mindswarm_notification_preferences");
            e.HasKey(x => x.AccountId);
        });
        modelBuilder.Entity<PushSubscriptionRow>(e =>
        {
            e.ToTable("mindswarm_push_subscriptions");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.Endpoint).IsUnique();
            e.HasIndex(x => x.AccountId);
        });
    }
}

internal sealed class NotificationMigration : SchemaMigration
{
    public override string Id => "2026120620_mindswarm_notifications";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_notifications",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                type = t.Column<string>(maxLength: 32),
                actor_id = t.Column<string>(maxLength: 64, nullable: true),
                target_id = t.Column<string>(maxLength: 64, nullable: true),
                post_id = t.Column<string>(maxLength: 64, nullable: true),
                message = t.Column<string>(maxLength: 500, nullable: true),
                read = t.Column<bool>(),
                source_key = t.Column<string>(maxLength: 200, nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_notifications", x => x.id));
        migration.CreateIndex("ix_mindswarm_notifications_account_id_created_at", "mindswarm_notifications", ["account_id", "created_at"]);
        migration.CreateIndex("ix_mindswarm_notifications_account_id_read", "mindswarm_notifications", ["account_id", "read"]);
        migration.CreateIndex("ix_mindswarm_notifications_source_key", "mindswarm_notifications", "source_key", unique: true);
        migration.CreateTable(
            name: "mindswarm_notification_preferences",
            columns: t => new
            {
                account_id = t.Column<string>(maxLength: 64),
                json = t.Column<string>(maxLength: 4000),
                updated_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_notification_preferences", x => x.account_id));
        migration.CreateTable(
            name: "mindswarm_push_subscriptions",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                endpoint = t.Column<string>(maxLength: 1000),
                p256dh = t.Column<string>(maxLength: 200),
                auth = t.Column<string>(maxLength: 100),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_push_subscriptions", x => x.id));
        migration.CreateIndex("ix_mindswarm_push_subscriptions_endpoint", "mindswarm_push_subscriptions", "endpoint", unique: true);
        migration.CreateIndex("ix_mindswarm_push_subscriptions_account_id", "mindswarm_push_subscriptions", "account_id");
    }
}
