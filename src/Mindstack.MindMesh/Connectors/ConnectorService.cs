using Mindstack.MindMesh.Storage;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Connectors;

/// <summary>Connector providers and statuses.</summary>
internal static class ConnectorProviders
{
    public const string EmailOutbox = "email_outbox";

    public static class Status
    {
        public const string Active = "active";
        public const string Inactive = "inactive";
        public const string Error = "error";
        public const string Syncing = "syncing";

        public static IReadOnlyList<string> All { get; } = [Active, Inactive, Error, Syncing];
    }
}

/// <summary>A tenant's connectors.</summary>
internal sealed class ConnectorService(MindstackDbContext db, IIdGenerator ids)
{
    /// <summary>
    /// Every tenant starts with <c>email_outbox</c>: it sends through the platform's email sender
    /// (the outbox folder without SMTP), so goals that email someone work from the first day.
    /// </summary>
    public void AddBuiltIns(string tenantId, DateTime now) => db.Add(new ConnectorRow
    {
        Id = ids.New("connector"),
        TenantId = tenantId,
        Provider = ConnectorProviders.EmailOutbox,
        Name = "Email outbox",
        ScopesJson = """["send"]""",
        Status = ConnectorProviders.Status.Active,
        SyncFrequency = 0,
        CreatedAt = now,
        UpdatedAt = now,
    });
}
