using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Webhooks;

/// <summary>One row of <c>webhooks_subscriptions</c>.</summary>
internal sealed class WebhookSubscriptionRow
{
    public required string Id { get; set; }
    public required string AccountId { get; set; }
    public required string Api { get; set; }
    public required string Url { get; set; }
    /// <summary>A JSON array of event types (<c>session.completed</c>, <c>session.*</c>, <c>*</c>).</summary>
    public required string EventTypes { get; set; }
    public required string Secret { get; set; }
    public bool Active { get; set; }
    public string? Description { get; set; }
    /// <summary>When set, only events of this aggregate (a per-execution webhook, say).</summary>
    public string? AggregateId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? LastTriggeredAt { get; set; }
}

/// <summary>One row of <c>webhooks_deliveries</c>: one event to one subscription; carries the event so it can be resent after the outbox forgets it.</summary>
internal sealed class WebhookDeliveryRow
{
    public required string Id { get; set; }
    public required string SubscriptionId { get; set; }
    public required string AccountId { get; set; }
    public required string Api { get; set; }
    public required string EventId { get; set; }
    public required string EventType { get; set; }
    public required string AggregateType { get; set; }
    public required string AggregateId { get; set; }
    public required string EventData { get; set; }
    public DateTime EventOccurredAt { get; set; }
    public required string Status { get; set; }
    public int Attempts { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public string? JobId { get; set; }
    public string? RedeliveryOf { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}

/// <summary>One row of <c>webhooks_attempts</c>: the delivery log.</summary>
internal sealed class WebhookAttemptRow
{
    public required string Id { get; set; }
    public required string DeliveryId { get; set; }
    public int Attempt { get; set; }
    public required string Url { get; set; }
    public int? StatusCode { get; set; }
    public long LatencyMs { get; set; }
    public string? ResponseExcerpt { get; set; }
    public string? Error { get; set; }
    public DateTime AttemptedAt { get; set; }
}

internal static class DeliveryStatuses
{
    public const string Pending = "pending";
    /// <summary>An attempt failed; the next one is scheduled.</summary>
    public const string Retrying = "retrying";
    public const string Succeeded = "succeeded";
    /// <summary>Gave up: retries ran out, or the target was refused.</summary>
    public const string Failed = "failed";
    /// <summary>The subscription was deleted or deactivated before it could be delivered.</summary>
    public const string Cancelled = "cancelled";
}

internal sealed class WebhooksModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<WebhookSubscriptionRow>(e =>
        {
            e.ToTable("webhooks_subscriptions");
            e.HasKey(s => s.Id);
        });
        modelBuilder.Entity<WebhookDeliveryRow>(e =>
        {
            e.ToTable("webhooks_deliveries");
            e.HasKey(d => d.Id);
        });
        modelBuilder.Entity<WebhookAttemptRow>(e =>
        {
            e.ToTable("webhooks_attempts");
            e.HasKey(a => a.Id);
        });
    }
}

internal sealed class WebhooksInitialMigration : SchemaMigration
{
    public override string Id => "2026112412_webhooks_initial";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "webhooks_subscriptions",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                api = t.Column<string>(maxLength: 64),
                url = t.Column<string>(maxLength: 2048),
                event_types = t.Column<string>(),
                secret = t.Column<string>(maxLength: 256),
                active = t.Column<bool>(),
                description = t.Column<string>(maxLength: 1000, nullable: true),
                aggregate_id = t.Column<string>(maxLength: 200, nullable: true),
                created_at = t.Column<DateTime>(),
                updated_at = t.Column<DateTime>(),
                last_triggered_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_webhooks_subscriptions", x => x.id));
        migration.CreateIndex("ix_webhooks_subscriptions_account_id_api", "webhooks_subscriptions", ["account_id", "api"]);

        migration.CreateTable(
            name: "webhooks_deliveries",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                subscription_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                api = t.Column<string>(maxLength: 64),
                event_id = t.Column<string>(maxLength: 64),
                event_type = t.Column<string>(maxLength: 200),
                aggregate_type = t.Column<string>(maxLength: 100),
                aggregate_id = t.Column<string>(maxLength: 200),
                event_data = t.Column<string>(),
                event_occurred_at = t.Column<DateTime>(),
                status = t.Column<string>(maxLength: 16),
                attempts = t.Column<int>(),
                last_status_code = t.Column<int>(nullable: true),
                last_error = t.Column<string>(nullable: true),
                job_id = t.Column<string>(maxLength: 64, nullable: true),
                redelivery_of = t.Column<string>(maxLength: 64, nullable: true),
                created_at = t.Column<DateTime>(),
                completed_at = t.Column<DateTime>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_webhooks_deliveries", x => x.id));
        migration.CreateIndex("ix_webhooks_deliveries_subscription_id_created_at", "webhooks_deliveries", ["subscription_id", "created_at"]);
        migration.CreateIndex("ix_webhooks_deliveries_event_id", "webhooks_deliveries", "event_id");

        migration.CreateTable(
            name: "webhooks_attempts",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                delivery_id = t.Column<string>(maxLength: 64),
                attempt = t.Column<int>(),
                url = t.Column<string>(maxLength: 2048),
                status_code = t.Column<int>(nullable: true),
                latency_ms = t.Column<long>(),
                response_excerpt = t.Column<string>(maxLength: 1024, nullable: true),
                error = t.Column<string>(nullable: true),
                attempted_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_webhooks_attempts", x => x.id));
        migration.CreateIndex("ix_webhooks_attempts_delivery_id_attempt", "webhooks_attempts", ["delivery_id", "attempt"]);
    }
}
