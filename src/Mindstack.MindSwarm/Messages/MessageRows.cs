using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Messages;

/// <summary>A conversation: one-to-one (<see cref="DirectKey"/> names the pair, so there is one per pair) or a group.</summary>
internal sealed class ConversationRow
{
    public required string Id { get; set; }
    public bool IsGroup { get; set; }
    public string? Name { get; set; }
    /// <summary>One-to-one only: the two account ids, ordered, joined by <c>|</c>; unique.</summary>
    public string? DirectKey { get; set; }
    public required string CreatedById { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime LastMessageAt { get; set; }
}

/// <summary>A member of a conversation, and how far they have read.</summary>
internal sealed class ConversationMemberRow
{
    public required string ConversationId { get; set; }
    public required string AccountId { get; set; }
    public DateTime JoinedAt { get; set; }
    /// <summary>Messages up to this moment are read (a read receipt); null: none yet.</summary>
    public DateTime? LastReadAt { get; set; }
}

internal sealed class MessageRow
{
    public required string Id { get; set; }
    public required string ConversationId { get; set; }
    public required string SenderId { get; set; }
    public required string Content { get; set; }
    /// <summary>The media items as JSON (<c>[{type, url, thumbnailUrl}]</c>), or null.</summary>
    public string? MediaJson { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class MessageReactionRow
{
    public required string MessageId { get; set; }
    public required string AccountId { get; set; }
    public required string Emoji { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class MessageModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ConversationRow>(e =>
        {
            e.ToTable("mindswarm_conversations");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.DirectKey).IsUnique();
        });
        modelBuilder.Entity<ConversationMemberRow>(e =>
        {
            e.ToTable("mindswarm_conversation_members");
            e.HasKey(x => new { x.ConversationId, x.AccountId });
            e.HasIndex(x => x.AccountId);
        });
        modelBuilder.Entity<MessageRow>(e =>
        {
            e.ToTable("mindswarm_messages");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.ConversationId, x.CreatedAt });
        });
        modelBuilder.Entity<MessageReactionRow>(e =>
        {
            e.ToTable("mindswarm_message_reactions");
            e.HasKey(x => new { x.MessageId, x.AccountId, x.Emoji });
        });
    }
}

internal sealed class MessageMigration : SchemaMigration
{
    public override string Id => "2026120621_mindswarm_messages";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "mindswarm_conversations",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                is_group = t.Column<bool>(),
                name = t.Column<string>(maxLength: 100, nullable: true),
                direct_key = t.Column<string>(maxLength: 140, nullable: true),
                created_by_id = t.Column<string>(maxLength: 64),
                created_at = t.Column<DateTime>(),
                last_message_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_conversations", x => x.id));
        migration.CreateIndex("ix_mindswarm_conversations_direct_key", "mindswarm_conversations", "direct_key", unique: true);
        migration.CreateTable(
            name: "mindswarm_conversation_members",
            columns: t => new
            {
                conversation_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                joined_at = t.Column<DateTime>(),
                last_read_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_conversation_members", x => new { x.conversation_id, x.account_id }));
        migration.CreateIndex("ix_mindswarm_conversation_members_account_id", "mindswarm_conversation_members", "account_id");
        migration.CreateTable(
            name: "mindswarm_messages",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                conversation_id = t.Column<string>(maxLength: 64),
                sender_id = t.Column<string>(maxLength: 64),
                content = t.Column<string>(maxLength: 8000),
                media_json = t.Column<string>(maxLength: 12000, nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_messages", x => x.id));
        migration.CreateIndex("ix_mindswarm_messages_conversation_id_created_at", "mindswarm_messages", ["conversation_id", "created_at"]);
        migration.CreateTable(
            name: "mindswarm_message_reactions",
            columns: t => new
            {
                message_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                emoji = t.Column<string>(maxLength: 64),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_mindswarm_message_reactions", x => new { x.message_id, x.account_id, x.emoji }));
    }
}
