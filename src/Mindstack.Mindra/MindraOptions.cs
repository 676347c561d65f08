using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Mindstack.Mindra;

/// <summary>Mindra's settings, from <c>Mindstack:Mindra:*</c>.</summary>
public sealed class MindraOptions
{
    public const string Section = "Mindstack:Mindra";

    /// <summary>
    /// The crypto deposit address <c>GET /v1/wallet/crypto/address</c> answers with; unset means
    /// the endpoint answers 503 SERVICE_UNAVAILABLE.
    /// </summary>
    public string? CryptoDepositAddress { get; set; }

    /// <summary>The network of <see cref="CryptoDepositAddress"/> (e.g. <c>ethereum</c>).</summary>
    public string CryptoNetwork { get; set; } = "ethereum";

    /// <summary>The currency deposits to that address are in (e.g. <c>USDC</c>).</summary>
    public string CryptoCurrency { get; set; } = "USDC";

    /// <summary>
    /// Lets registered agents and request webhooks use plain http and private or loopback
    /// addresses (development and tests only; never in production).
    /// </summary>
    public bool AllowInsecureAgentUrls { get; set; }

    /// <summary>
    /// The enterprise tier's agreed requests per minute (the document says "custom"); accounts get
    /// the tier with <c>accounts set-tier --email E --tier enterprise</c>.
    /// </summary>
    public int EnterpriseRequestsPerMinute { get; set; } = 2_000;

    /// <summary>The enterprise tier's agreed requests per day.</summary>
    public int EnterpriseRequestsPerDay { get; set; } = 1_000_000;
}

/// <summary>Refuses, at start, the development-only switch in Production and limits that cannot work.</summary>
internal sealed class MindraOptionsValidator(IHostEnvironment environment) : IValidateOptions<MindraOptions>
{
    public ValidateOptionsResult Validate(string? name, MindraOptions options)
    {
        var failures = new List<string>();
        if (options.AllowInsecureAgentUrls && environment.IsProduction())
        {
            failures.Add($"{MindraOptions.Section}:AllowInsecureAgentUrls is for development and tests only and is refused in Production");
        }
        if (options.EnterpriseRequestsPerMinute < 1)
        {
            failures.Add($"{MindraOptions.Section}:EnterpriseRequestsPerMinute must be 1 or more");
        }
        if (options.EnterpriseRequestsPerDay < 1)
        {
            failures.Add($"{MindraOptions.Section}:EnterpriseRequestsPerDay must be 1 or more");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
