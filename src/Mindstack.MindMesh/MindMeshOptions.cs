using Microsoft.Extensions.Options;

namespace Mindstack.MindMesh;

/// <summary>MindMesh's settings (<c>Mindstack:MindMesh:*</c>).</summary>
public sealed class MindMeshOptions
{
    public const string Section = "Mindstack:MindMesh";

    /// <summary>How long an approval waits for a decision; past it the action is rejected.</summary>
    public TimeSpan ApprovalTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>What a thousand tokens of a remote model cost, in dollars (the built-in engine costs nothing).</summary>
    public double CostPerThousandTokens { get; set; } = 0.002;

    /// <summary>More recipients than this make an email risky (approval at L2).</summary>
    public int RiskyRecipients { get; set; } = 5;

    /// <summary>More recipients than this break policy (approval at every level).</summary>
    public int MaxRecipients { get; set; } = 50;

    /// <summary>The shortest interval an automation's cron trigger may have (a tenant cannot flood the queue with runs).</summary>
    public TimeSpan MinAutomationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>OAuth2 providers by name (<c>gmail</c>, <c>calendar</c>, <c>slack</c>): client id and secret, token endpoint.</summary>
    public Dictionary<string, Connectors.OAuthProviderOptions> Providers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

internal sealed class MindMeshOptionsValidator : IValidateOptions<MindMeshOptions>
{
    public ValidateOptionsResult Validate(string? name, MindMeshOptions options)
    {
        var errors = new List<string>();
        if (options.ApprovalTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{MindMeshOptions.Section}:ApprovalTimeout must be positive.");
        }
        if (options.CostPerThousandTokens < 0 || !double.IsFinite(options.CostPerThousandTokens))
        {
            errors.Add($"{MindMeshOptions.Section}:CostPerThousandTokens must be 0 or more.");
        }
        if (options.MinAutomationInterval <= TimeSpan.Zero)
        {
            errors.Add($"{MindMeshOptions.Section}:MinAutomationInterval must be positive.");
        }
        if (options.RiskyRecipients < 1 || options.MaxRecipients < options.RiskyRecipients)
        {
            errors.Add($"{MindMeshOptions.Section}:RiskyRecipients must be at least 1 and MaxRecipients at least RiskyRecipients.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
