using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.Mindra.Storage;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Mindra.Agents;

/// <summary>The body of <c>POST /v1/agents</c>.</summary>
internal sealed record RegisterAgentRequest
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string? Url { get; init; }
    public string? Vertical { get; init; }
    public List<string>? Capabilities { get; init; }
    public PricingBody? Pricing { get; init; }
    public AgentConfigBody? Config { get; init; }
}

internal sealed record PricingBody
{
    public string? Model { get; init; }
    public decimal? BasePrice { get; init; }
}

internal sealed record AgentConfigBody
{
    /// <summary>Milliseconds the orchestrator waits for one call.</summary>
    public int? Timeout { get; init; }
    /// <summary>Further attempts after a failed call.</summary>
    public int? Retries { get; init; }
}

/// <summary>
/// The agents an account sees: the built-in ones and those it registered (in its live or its
/// sandbox data set, by the key it calls with).
/// </summary>
internal sealed partial class AgentCatalogue(MindstackDbContext db, IIdGenerator ids, TimeProvider clock, IOptions<MindraOptions> options)
{
    // Compiled once per model: the read behind GET /v1/agents, without EF's per-request LINQ work.
    private static readonly CompiledQuery<Func<MindstackDbContext, string, bool, IAsyncEnumerable<RegisteredAgentRow>>> RegisteredBy = new(() =>
        EF.CompileAsyncQuery((MindstackDbContext db, string accountId, bool sandbox) =>
            db.Set<RegisteredAgentRow>().AsNoTracking().Where(a => a.AccountId == accountId && a.Sandbox == sandbox)));

    public async Task<IReadOnlyList<AgentDefinition>> ListAsync(string accountId, bool sandbox, CancellationToken ct)
    {
        var rows = new List<RegisteredAgentRow>();
        await foreach (var row in RegisteredBy.For(db)(db, accountId, sandbox).WithCancellation(ct))
        {
            rows.Add(row);
        }
        return BuiltInAgents.All.Concat(rows.OrderBy(r => r.AgentId, StringComparer.Ordinal).Select(ToDefinition)).ToList();
    }

    public async Task<AgentDefinition?> FindAsync(string accountId, bool sandbox, string id, CancellationToken ct)
    {
        if (BuiltInAgents.Find(id) is { } builtIn)
        {
            return builtIn;
        }
        var row = await db.Set<RegisteredAgentRow>().AsNoTracking()
            .FirstOrDefaultAsync(a => a.AccountId == accountId && a.Sandbox == sandbox && a.AgentId == id, ct);
        return row is null ? null : ToDefinition(row);
    }

    public async Task<AgentDefinition> RegisterAsync(string accountId, bool sandbox, RegisterAgentRequest request, CancellationToken ct)
    {
        var valid = Validate(request);
        if (BuiltInAgents.Find(valid.Id) is not null
            || await db.Set<RegisteredAgentRow>().AnyAsync(a => a.AccountId == accountId && a.Sandbox == sandbox && a.AgentId == valid.Id, ct))
        {
            throw Problem.Conflict($"An agent with id '{valid.Id}' already exists");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new RegisteredAgentRow
        {
            RowId = ids.New("agt"),
            AgentId = valid.Id,
            AccountId = accountId,
            Sandbox = sandbox,
            Name = valid.Name,
            Description = valid.Description,
            Url = valid.Url,
            Vertical = valid.Vertical,
            Capabilities = string.Join(' ', valid.Capabilities),
            PricingModel = "per_execution",
            PriceCents = valid.PriceCents,
            TimeoutMs = valid.TimeoutMs,
            Retries = valid.Retries,
            SigningSecret = "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
            IsActive = true,
            Version = "1.0.0",
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(row);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A concurrent registration of the same id won the unique index.
            throw Problem.Conflict($"An agent with id '{valid.Id}' already exists");
        }
        return ToDefinition(row);
    }

    private sealed record ValidAgent(string Id, string Name, string Description, string Url, string Vertical,
        IReadOnlyList<string> Capabilities, long PriceCents, int TimeoutMs, int Retries);

    private ValidAgent Validate(RegisterAgentRequest request)
    {
        var validation = new Validation();
        var id = request.Id?.Trim() ?? "";
        if (!AgentId().IsMatch(id))
        {
            validation.Add("id", "id must be 3-64 lowercase letters, digits and single hyphens, starting with a letter");
        }
        var name = request.Name?.Trim() ?? "";
        if (name.Length is < 1 or > 100)
        {
            validation.Add("name", "name is required (at most 100 characters)");
        }
        var description = request.Description?.Trim() ?? "";
        if (description.Length is < 10 or > 1000)
        {
            validation.Add("description", "description must be 10 to 1000 characters");
        }
        var url = request.Url?.Trim() ?? "";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || !(uri.Scheme == Uri.UriSchemeHttps || (options.Value.AllowInsecureAgentUrls && uri.Scheme == Uri.UriSchemeHttp))
            || url.Length > 2048)
        {
            validation.Add("url", "url must be an absolute https URL");
        }
        var vertical = request.Vertical?.Trim().ToLowerInvariant() ?? "";
        if (!Verticals.IsKnown(vertical))
        {
            validation.Add("vertical", $"vertical must be one of {string.Join(", ", Verticals.All)}");
        }
        var capabilities = (request.Capabilities ?? [])
            .Select(c => c?.Trim().ToLowerInvariant() ?? "").Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (capabilities.Count is < 1 or > 20 || capabilities.Any(c => !Capability().IsMatch(c)))
        {
            validation.Add("capabilities", "capabilities must list 1 to 20 lowercase names (letters, digits, hyphens)");
        }
        long priceCents = 0;
        if (request.Pricing is not { } pricing)
        {
            validation.Add("pricing", "pricing is required");
        }
        else
        {
            if (pricing.Model is not null && pricing.Model != "per_execution")
            {
                validation.Add("pricing.model", "pricing.model must be per_execution");
            }
            if (pricing.BasePrice is not { } price || price < 0 || price > 1000 || decimal.Round(price, 2) != price)
            {
                validation.Add("pricing.basePrice", "pricing.basePrice must be a USD amount from 0 to 1000 with at most 2 decimals");
            }
            else
            {
                priceCents = (long)(price * 100);
            }
        }
        var timeout = request.Config?.Timeout ?? 30_000;
        if (timeout is < 1_000 or > 120_000)
        {
            validation.Add("config.timeout", "config.timeout must be 1000 to 120000 milliseconds");
        }
        var retries = request.Config?.Retries ?? 2;
        if (retries is < 0 or > 5)
        {
            validation.Add("config.retries", "config.retries must be 0 to 5");
        }
        validation.ThrowIfInvalid();
        return new ValidAgent(id, name, description, url, vertical, capabilities, priceCents, timeout, retries);
    }

    private static AgentDefinition ToDefinition(RegisteredAgentRow row) => new()
    {
        Id = row.AgentId,
        Name = row.Name,
        Description = row.Description,
        Vertical = row.Vertical,
        Capabilities = row.Capabilities.Split(' ', StringSplitOptions.RemoveEmptyEntries),
        PriceCents = row.PriceCents,
        PricingModel = row.PricingModel,
        Version = row.Version,
        IsActive = row.IsActive,
        Url = row.Url,
        TimeoutMs = row.TimeoutMs,
        Retries = row.Retries,
        OwnerAccountId = row.AccountId,
        SigningSecret = row.SigningSecret,
        CreatedAt = row.CreatedAt,
        UpdatedAt = row.UpdatedAt,
    };

    [GeneratedRegex("^(?=.{3,64}$)[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    private static partial Regex AgentId();

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex Capability();
}
