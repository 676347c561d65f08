namespace Mindstack.MindPeeker.Webhooks;

/// <summary><c>POST /webhooks</c>: the webhook with its signing secret (shown here only).</summary>
internal sealed record WebhookCreatedView(string Id, string Url, IReadOnlyList<string> Events, bool Active, string Secret, string? Description,
    DateTime CreatedAt);

internal sealed record WebhookView(string Id, string Url, IReadOnlyList<string> Events, bool Active, string? Description, DateTime CreatedAt,
    DateTime? LastTriggered);

/// <summary><c>GET /webhooks</c>: the caller's webhooks.</summary>
internal sealed record WebhookListView(IEnumerable<WebhookView> Webhooks);

/// <summary><c>PUT /webhooks/{webhook_id}</c>: the webhook as changed.</summary>
internal sealed record WebhookUpdatedView(string Id, string Url, IReadOnlyList<string> Events, bool Active, string? Description, DateTime UpdatedAt,
    DateTime? LastTriggered);
