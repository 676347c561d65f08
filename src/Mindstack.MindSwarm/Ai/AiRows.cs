using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Ai;

/// <summary>A user's own key for an AI provider: the secret is Data Protection ciphertext, never stored or shown in clear.</summary>
internal sealed class AiKeyRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string Name { get; set; }
    public required string Provider { get; set; }
    public required string Ciphertext { get; set; }
    /// <summary>What lists show: the key's first and last characters around a mask.</summary>
    public required string Masked { get; set; }
    public bool IsDefault { get; set; }
    public bool IsActive { get; set; } = true;
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}

/// <summary>One AI call made for a user, with its tokens counted by the cl100k tokenizer.</summary>
internal sealed class AiUsageRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    /// <summary>The user's key that paid for it; null when the platform engine served it.</summary>
    public string? KeyId { get; set; }
    public required string Feature { get; set; }
    public required string Provider { get; set; }
    public required string Model { get; set; }
    public int InputTokens { get; set; }
    public int OutputTokens { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A user's auto-reply switch: when on, a mention of them is answered by an AI reply.</summary>
internal sealed class AutoReplyRow
{
    public required string AccountId { get; set; }
    public bool Enabled { get; set; }
    public string? KeyId { get; set; }
    public string SettingsJson { get; set; } = "{}";
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A mention already answered (the key that keeps a retried job from replying twice).</summary>
internal sealed class AutoReplyDoneRow
{
    public required string AccountId { get; set; }
    public required string PostId { get; set; }
    public string? ReplyPostId { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class AiModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AiKeyRow>(e =>
        {
            e.ToTable("mindswarm_ai_keys");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AccountId, x.CreatedAt });
        });
        modelBuilder.Entity<AiUsageRow>(e =>
        {
            e.ToTable("mindswarm_ai_usage");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.AccountId, x.CreatedAt });
        });
        modelBuilder.Entity<AutoReplyRow>(e =>
        {
            e.ToTable("mindswarm_ai_auto_reply");
            e.HasKey(x => x.AccountId);
        });
        modelBuilder.Entity<AutoReplyDoneRow>(e =>
        {
            e.ToTable("mindswarm_ai_auto_replies");
            e.HasKey(x => new { x.AccountId, x.PostId });
        });
    }
}

internal sealed class AiMigration : SchemaMigration
{
    public override string Id => "2026120705_mindswarm_ai";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_ai_keys",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                name = t.Column<string>(maxLength: 100),
                provider = t.Column<string>(maxLength: 32),
                ciphertext = t.Column<string>(),
                masked = t.Column<string>(maxLength: 64),
                is_default = t.Column<bool>(),
                is_active = t.Column<bool>(),
                created_at = t.Column<DateTime>(),
                updated_at = t.Column<DateTime>(),
                last_used_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_ai_keys", x => x.id));
        migration.CreateIndex("ix_mindswarm_ai_keys_account_id_created_at", "mindswarm_ai_keys", ["account_id", "created_at"]);

        migration.CreateTable(
            name: "mindswarm_ai_usage",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                key_id = t.Column<string>(maxLength: 64, nullable: true),
                feature = t.Column<string>(maxLength: 32),
                provider = t.Column<string>(maxLength: 64),
                model = t.Column<string>(maxLength: 200),
                input_tokens = t.Column<int>(),
                output_tokens = t.Column<int>(),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_ai_usage", x => x.id));
        migration.CreateIndex("ix_mindswarm_ai_usage_account_id_created_at", "mindswarm_ai_usage", ["account_id", "created_at"]);

        migration.CreateTable(
            name: "mindswarm_ai_auto_reply",
            columns: t => new
            {
                account_id = t.Column<string>(maxLength: 64),
                enabled = t.Column<bool>(),
                key_id = t.Column<string>(maxLength: 64, nullable: true),
                settings_json = t.Column<string>(),
                updated_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_ai_auto_reply", x => x.account_id));

        migration.CreateTable(
            name: "mindswarm_ai_auto_replies",
            columns: t => new
            {
                account_id = t.Column<string>(maxLength: 64),
                post_id = t.Column<string>(maxLength: 64),
                reply_post_id = t.Column<string>(maxLength: 64, nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_ai_auto_replies", x => new { x.account_id, x.post_id }));
    }
}
