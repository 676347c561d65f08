using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Audit;
using Mindstack.Platform.Billing;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Observability;
using Mindstack.Platform.OperatorConsole;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Server.OperatorConsole;

/// <summary>What every console page shows around its content: title, section, who is signed in, the form token, a notice.</summary>
public sealed record ConsoleFrame(string Title, string Section, string? OperatorEmail, string Token, string? Notice = null, string? Error = null)
{
    public string TokenField => ConsoleAuth.FormField;
}

public sealed record OverviewView(
    ClusterRequests Requests,
    OperatorFigures Figures,
    IReadOnlyDictionary<string, ProbeResult> Components,
    string Version,
    string? DatabaseProvider,
    DateTime At);

public sealed record AccountView(
    Account Account,
    IReadOnlyList<string> Apis,
    IReadOnlyList<AccountSession> Sessions,
    IReadOnlyList<ApiKey> Keys,
    IReadOnlyList<LedgerBalance> Balances,
    IReadOnlyList<LedgerMovement> Ledger,
    IReadOnlyList<AuditEntry> Audit,
    string AdjustmentReference,
    IReadOnlyList<TierChoice> Tiers);

/// <summary>A tier the operator may give an account, and the APIs that declare it.</summary>
public sealed record TierChoice(string Name, IReadOnlyList<string> Apis)
{
    /// <summary>Every tier the registered APIs declare (one entry per name, ignoring case), in registration order.</summary>
    public static IReadOnlyList<TierChoice> Declared(ApiRegistry apis) =>
        [.. apis.Definitions
            .SelectMany(d => d.DeclaredTiers.Select(tier => (Tier: tier, Api: d.Name)))
            .GroupBy(p => p.Tier, StringComparer.OrdinalIgnoreCase)
            .Select(g => new TierChoice(g.First().Tier, [.. g.Select(p => p.Api).Distinct(StringComparer.Ordinal)]))];
}

public sealed record JobsView(string? Type, string? State, KeysetPage<JobSummary> Page);

public sealed record WebhooksView(string? Status, string? SubscriptionId, KeysetPage<DeliveryRow> Deliveries, KeysetPage<SubscriptionRow> Subscriptions);

public sealed record DeliveryView(DeliveryRow Delivery, WebhookDelivery? Log, string? Url);

public sealed record AuditView(string? AccountId, string? Action, string? ResourceId, string? Api, string? Success, KeysetPage<AuditEntry> Page);

/// <summary>Small formatting rules every page shares.</summary>
public static class ConsoleFormat
{
    public static string Time(DateTime? at) => at is { } value ? value.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) : "—";

    public static string Percent(double rate) => (rate * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " %";

    public static string Number(double value) => value.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);

    public static string Short(string? text, int length = 120) =>
        text is null ? "" : text.Length <= length ? text : text[..length] + "…";

    public static string State(JobState state) => state.ToString().ToLowerInvariant();

    /// <summary>A link to the same list with one more query value (the next page's cursor).</summary>
    public static string With(string path, IEnumerable<KeyValuePair<string, string?>> query) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(path, query.Where(p => !string.IsNullOrEmpty(p.Value)));
}
