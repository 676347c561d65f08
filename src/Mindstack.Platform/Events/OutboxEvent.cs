using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Mindstack.Platform.Events;

/// <summary>One row of <c>events_outbox</c>.</summary>
internal sealed class OutboxEvent
{
    /// <summary>Database-assigned, increasing: the dispatch order.</summary>
    public long Sequence { get; set; }
    public required string Id { get; set; }
    public required string Type { get; set; }
    public string? Api { get; set; }
    public string? AccountId { get; set; }
    public required string AggregateType { get; set; }
    public required string AggregateId { get; set; }
    public required string Data { get; set; }
    /// <summary>The realtime channels as a JSON array; null (rows written before it existed) or empty for none.</summary>
    public string? Channels { get; set; }
    public DateTime OccurredAt { get; set; }
    public required string State { get; set; }
    public int Attempts { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTime? DispatchedAt { get; set; }
    /// <summary>The W3C trace context it was published under (its fan-out joins that trace); null outside any trace.</summary>
    public string? Traceparent { get; set; }
}

internal static class OutboxChannels
{
    public static string? Write(IReadOnlyList<string> channels) =>
        channels.Count == 0 ? null : JsonSerializer.Serialize(channels);

    public static IReadOnlyList<string> Read(string? channels) =>
        string.IsNullOrEmpty(channels) ? [] : JsonSerializer.Deserialize<string[]>(channels) ?? [];
}

internal static class OutboxStates
{
    public const string Pending = "pending";
    public const string Dispatched = "dispatched";
    /// <summary>Gave up after the last dispatch attempt; later events of its aggregate went on.</summary>
    public const string Failed = "failed";
}

internal sealed class EventsModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<OutboxEvent>(e =>
        {
            e.ToTable("events_outbox");
            e.HasKey(x => x.Sequence);
            e.Property(x => x.Sequence).ValueGeneratedOnAdd();
            e.HasIndex(x => x.Id).IsUnique();
        });
}

internal sealed class EventsInitialMigration : SchemaMigration
{
    public override string Id => "2026112411_events_initial";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "events_outbox",
            columns: t => new
            {
                sequence = t.Column<long>()
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                id = t.Column<string>(maxLength: 64),
                type = t.Column<string>(maxLength: 200),
                api = t.Column<string>(maxLength: 64, nullable: true),
                account_id = t.Column<string>(maxLength: 64, nullable: true),
                aggregate_type = t.Column<string>(maxLength: 100),
                aggregate_id = t.Column<string>(maxLength: 200),
                data = t.Column<string>(),
                occurred_at = t.Column<DateTime>(),
                state = t.Column<string>(maxLength: 16),
                attempts = t.Column<int>(),
                next_attempt_at = t.Column<DateTime>(nullable: true),
                last_error = t.Column<string>(nullable: true),
                dispatched_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_events_outbox", x => x.sequence));
        migration.CreateIndex("ux_events_outbox_id", "events_outbox", "id", unique: true);
        migration.CreateIndex("ix_events_outbox_state_sequence", "events_outbox", ["state", "sequence"]);
        migration.CreateIndex("ix_events_outbox_aggregate_type_aggregate_id_sequence", "events_outbox", ["aggregate_type", "aggregate_id", "sequence"]);
    }
}

/// <summary>Adds the realtime channels an event goes to, resolved when it was published.</summary>
internal sealed class EventsChannelsMigration : SchemaMigration
{
    public override string Id => "2026112420_events_channels";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider) =>
        migration.AddColumn<string>(name: "channels", table: "events_outbox", nullable: true);
}
