using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Billing;

/// <summary>One row of <c>billing_accounts</c>: an owner's (or the system's) account in one currency.</summary>
internal sealed class LedgerAccountRow
{
    public required string Id { get; set; }
    public required string OwnerId { get; set; }
    public required string Currency { get; set; }
    /// <summary><see cref="LedgerAccountKinds"/>.</summary>
    public required string Kind { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>One row of <c>billing_movements</c>: a balanced set of entries with a kind and a unique reference.</summary>
internal sealed class LedgerMovementRow
{
    public required string Id { get; set; }
    public LedgerMovementKind Kind { get; set; }
    public required string Reference { get; set; }
    public required string OwnerId { get; set; }
    public required string Currency { get; set; }
    /// <summary>How much moved (always positive); the entries say where.</summary>
    public long Amount { get; set; }
    /// <summary>The owner's available balance right after it (a fact of the movement, never updated).</summary>
    public long BalanceAfter { get; set; }
    /// <summary>The hold a settle or release closes, or the charge a refund returns.</summary>
    public string? RelatedMovementId { get; set; }
    /// <summary>Set on the one movement that closes a hold; unique, so a hold closes once.</summary>
    public string? ClosesHoldId { get; set; }
    public string? Description { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>One row of <c>billing_entries</c>; a movement's entries sum to zero.</summary>
internal sealed class LedgerEntryRow
{
    public required string Id { get; set; }
    public required string MovementId { get; set; }
    public required string AccountId { get; set; }
    public long Amount { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>One row of <c>billing_payments</c>: a charge to a payment method through a provider.</summary>
internal sealed class PaymentRow
{
    public required string Id { get; set; }
    public required string OwnerId { get; set; }
    public required string Provider { get; set; }
    public string? ProviderPaymentId { get; set; }
    public required string PaymentMethodId { get; set; }
    public long Amount { get; set; }
    public required string Currency { get; set; }
    public required string Status { get; set; }
    public string? FailureCode { get; set; }
    public string? FailureMessage { get; set; }
    /// <summary>The purchase's idempotency reference (succeeded payments only).</summary>
    public string? Reference { get; set; }
    public string? MovementId { get; set; }
    public string? CardBrand { get; set; }
    public string? CardLast4 { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal static class LedgerAccountKinds
{
    /// <summary>What an owner can spend.</summary>
    public const string Available = "available";
    /// <summary>What is set aside by holds until they are settled or released.</summary>
    public const string Held = "held";
    /// <summary>System: where granted credits come from.</summary>
    public const string Issuance = "issuance";
    /// <summary>System: where purchased credits come from.</summary>
    public const string Sales = "sales";
    /// <summary>System: where charged credits go (and refunds come from).</summary>
    public const string Revenue = "revenue";
}

internal sealed class BillingModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<LedgerAccountRow>(e =>
        {
            e.ToTable("billing_accounts");
            e.HasKey(a => a.Id);
        });
        modelBuilder.Entity<LedgerMovementRow>(e =>
        {
            e.ToTable("billing_movements");
            e.HasKey(m => m.Id);
            e.Property(m => m.Kind).HasConversion(k => k.ToString().ToLowerInvariant(), k => Enum.Parse<LedgerMovementKind>(k, true)).HasMaxLength(16);
        });
        modelBuilder.Entity<LedgerEntryRow>(e =>
        {
            e.ToTable("billing_entries");
            e.HasKey(x => x.Id);
        });
        modelBuilder.Entity<PaymentRow>(e =>
        {
            e.ToTable("billing_payments");
            e.HasKey(p => p.Id);
        });
    }
}

internal sealed class BillingInitialMigration : SchemaMigration
{
    public override string Id => "2026112413_billing_initial";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider)
    {
        migration.CreateTable(
            name: "billing_accounts",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                owner_id = t.Column<string>(maxLength: 64),
                currency = t.Column<string>(maxLength: 16),
                kind = t.Column<string>(maxLength: 16),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_billing_accounts", x => x.id));
        migration.CreateIndex("ux_billing_accounts_owner_id_currency_kind", "billing_accounts", ["owner_id", "currency", "kind"], unique: true);

        migration.CreateTable(
            name: "billing_movements",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                kind = t.Column<string>(maxLength: 16),
                reference = t.Column<string>(maxLength: 200),
                owner_id = t.Column<string>(maxLength: 64),
                currency = t.Column<string>(maxLength: 16),
                amount = t.Column<long>(),
                balance_after = t.Column<long>(),
                related_movement_id = t.Column<string>(maxLength: 64, nullable: true),
                closes_hold_id = t.Column<string>(maxLength: 64, nullable: true),
                description = t.Column<string>(maxLength: 500, nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_billing_movements", x => x.id));
        migration.CreateIndex("ux_billing_movements_reference", "billing_movements", "reference", unique: true);
        migration.CreateIndex("ux_billing_movements_closes_hold_id", "billing_movements", "closes_hold_id", unique: true);
        migration.CreateIndex("ix_billing_movements_owner_id_created_at", "billing_movements", ["owner_id", "created_at"]);
        migration.CreateIndex("ix_billing_movements_related_movement_id", "billing_movements", "related_movement_id");

        migration.CreateTable(
            name: "billing_entries",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                movement_id = t.Column<string>(maxLength: 64),
                account_id = t.Column<string>(maxLength: 64),
                amount = t.Column<long>(),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_billing_entries", x => x.id));
        migration.CreateIndex("ix_billing_entries_account_id", "billing_entries", "account_id");
        migration.CreateIndex("ix_billing_entries_movement_id", "billing_entries", "movement_id");

        migration.CreateTable(
            name: "billing_payments",
            columns: t => new
            {
                id = t.Column<string>(maxLength: 64),
                owner_id = t.Column<string>(maxLength: 64),
                provider = t.Column<string>(maxLength: 32),
                provider_payment_id = t.Column<string>(maxLength: 200, nullable: true),
                payment_method_id = t.Column<string>(maxLength: 200),
                amount = t.Column<long>(),
                currency = t.Column<string>(maxLength: 16),
                status = t.Column<string>(maxLength: 16),
                failure_code = t.Column<string>(maxLength: 64, nullable: true),
                failure_message = t.Column<string>(maxLength: 500, nullable: true),
                reference = t.Column<string>(maxLength: 200, nullable: true),
                movement_id = t.Column<string>(maxLength: 64, nullable: true),
                card_brand = t.Column<string>(maxLength: 32, nullable: true),
                card_last4 = t.Column<string>(maxLength: 4, nullable: true),
                created_at = t.Column<DateTime>(),
            },
            constraints: t => t.PrimaryKey("pk_billing_payments", x => x.id));
        migration.CreateIndex("ux_billing_payments_reference", "billing_payments", "reference", unique: true);
        migration.CreateIndex("ix_billing_payments_owner_id_created_at", "billing_payments", ["owner_id", "created_at"]);
    }
}
