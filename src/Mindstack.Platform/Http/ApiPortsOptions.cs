using Microsoft.Extensions.Options;

namespace Mindstack.Platform.Http;

/// <summary>
/// <c>Mindstack:Apis:&lt;Name&gt;:Port</c>, bound and validated at start: an API given a port of its
/// own is served there at the root as well. The host reads the ports before the container exists
/// (<see cref="ApiRegistry.PortFor"/>) to listen on them; this check refuses values it would
/// otherwise skip quietly.
/// </summary>
public sealed class ApiPortsOptions
{
    /// <summary>The section holding <c>Apis</c>.</summary>
    public const string Section = "Mindstack";

    public Dictionary<string, ApiPortOptions> Apis { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One API's hosting settings.</summary>
public sealed class ApiPortOptions
{
    public int? Port { get; set; }
}

/// <summary>Refuses a port that cannot be listened on, a port given twice, or a name that is no API.</summary>
internal sealed class ApiPortsOptionsValidator(IEnumerable<ApiDefinition> definitions) : IValidateOptions<ApiPortsOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiPortsOptions options)
    {
        var failures = new List<string>();
        var names = definitions.Select(d => d.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var (api, settings) in options.Apis)
        {
            var at = $"{ApiPortsOptions.Section}:Apis:{api}";
            if (!names.Contains(api, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"{at} is not an API served here ({string.Join(", ", names)})");
            }
            if (settings.Port is { } port and (< 1 or > 65535))
            {
                failures.Add($"{at}:Port must be from 1 to 65535");
            }
        }
        foreach (var shared in options.Apis.Where(a => a.Value.Port is not null).GroupBy(a => a.Value.Port).Where(g => g.Count() > 1))
        {
            failures.Add($"{ApiPortsOptions.Section}:Apis: {string.Join(" and ", shared.Select(a => a.Key))} cannot share port {shared.Key}");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
