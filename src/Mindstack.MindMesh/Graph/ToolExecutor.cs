using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindMesh.Storage;
using Mindstack.Platform.Email;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindMesh.Graph;

/// <summary>
/// Performs one tool call exactly once per idempotency key: the call's row (keyed by it) and its
/// side effect (an email queued in the platform's outbox) commit together, so a step run again
/// after a crash finds the row and returns the stored result instead of acting again.
/// </summary>
internal sealed class ToolExecutor(MindstackDbContext db, IEmailQueue email, TimeProvider clock)
{
    public async Task<JsonNode> ExecuteAsync(RunRow run, string callId, string tool, string? connectorId, string key, JsonObject args, CancellationToken ct)
    {
        if (await StoredAsync(key, ct) is { } stored)
        {
            return stored;
        }
        JsonObject result;
        switch (tool)
        {
            case "send_email":
                var to = (args["to"] as JsonArray ?? []).Select(r => r?.ToString() ?? "").Where(r => r.Contains('@')).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                var subject = args["subject"]?.ToString() ?? "";
                var body = args["body"]?.ToString() ?? "";
                if (to.Count == 0)
                {
                    throw new PermanentJobFailureException($"{callId}: send_email has no recipient");
                }
                foreach (var recipient in to)
                {
                    email.Enqueue(new EmailMessage(recipient, subject, body));
                }
                result = new JsonObject { ["sent_to"] = new JsonArray(to.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()), ["subject"] = subject };
                break;
            case "record_note":
                result = new JsonObject { ["recorded"] = true, ["task_id"] = args["task_id"]?.DeepClone(), ["title"] = args["title"]?.DeepClone() };
                break;
            default:
                throw new PermanentJobFailureException($"{callId}: unknown tool '{tool}'");
        }
        db.Add(new ToolCallRow
        {
            IdempotencyKey = key,
            TenantId = run.TenantId,
            RunId = run.Id,
            CallId = callId,
            Tool = tool,
            ConnectorId = connectorId,
            ResultJson = result.ToJsonString(),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        });
        try
        {
            await db.SaveChangesAsync(ct);
            return result;
        }
        catch (DbUpdateException)
        {
            // Another attempt performed it first (its row holds the key): the action stands once.
            foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State == EntityState.Added).ToList())
            {
                entry.State = EntityState.Detached;
            }
            return await StoredAsync(key, ct) ?? throw new InvalidOperationException($"Tool call {key} could not be stored");
        }
    }

    private async Task<JsonNode?> StoredAsync(string key, CancellationToken ct)
    {
        var row = await db.Set<ToolCallRow>().AsNoTracking().FirstOrDefaultAsync(t => t.IdempotencyKey == key, ct);
        if (row is null)
        {
            return null;
        }
        var result = JsonNode.Parse(row.ResultJson) as JsonObject ?? [];
        result["deduplicated"] = true;
        return result;
    }
}
