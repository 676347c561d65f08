using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Mindstack.Platform.Access;

namespace Mindstack.Platform.Http;

/// <summary>One API served by this host: its definition, base path on the main port, and its own port if configured.</summary>
public sealed record ApiMount(ApiDefinition Definition, PathString BasePath, Dialect Dialect, int? Port)
{
    public string Name => Definition.Name;
}

/// <summary>
/// The APIs the modules registered (<see cref="ApiHostingExtensions.AddApi"/>), by name, and the
/// ones served, by the port a request arrived on or by its path prefix. The platform learns every
/// fact of an API here, never from the API's name.
/// </summary>
public sealed class ApiRegistry(IConfiguration configuration, IEnumerable<ApiDefinition> definitions)
{
    private readonly List<ApiMount> _mounts = [];
    private readonly IReadOnlyList<ApiDefinition> _definitions = Distinct(definitions);

    /// <summary>Every registered API, in registration order.</summary>
    public IReadOnlyList<ApiDefinition> Definitions => _definitions;

    public IReadOnlyList<ApiMount> Mounts => _mounts;

    /// <summary>A fallback dialect for paths that belong to no API (<c>/health</c>, <c>/metrics</c>…).</summary>
    public Dialect PlatformDialect { get; } = new PlatformDialect();

    /// <summary>The registered API of that name (any case), or null.</summary>
    public ApiDefinition? Find(string name) =>
        _definitions.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The key format of the API of that name, or null when there is no such API or it takes no keys.</summary>
    public ApiKeyFormat? KeyFormat(string api) => Find(api)?.KeyFormat;

    internal ApiMount Add(ApiDefinition api, PathString basePath, Dialect dialect)
    {
        var port = PortFor(configuration, api.Name);
        var mount = new ApiMount(api, basePath, dialect, port);
        _mounts.RemoveAll(m => m.Name == mount.Name);
        _mounts.Add(mount);
        // Longest prefix first, so /a/b wins over /a.
        _mounts.Sort((a, b) => b.BasePath.Value!.Length.CompareTo(a.BasePath.Value!.Length));
        return mount;
    }

    /// <summary>
    /// <c>Mindstack:Apis:&lt;Name&gt;:Port</c>, when set; read before the container exists, so a bad
    /// value is skipped here and refused at start by <see cref="ApiPortsOptions"/>' validation.
    /// </summary>
    public static int? PortFor(IConfiguration configuration, string apiName) =>
        int.TryParse(configuration[$"Mindstack:Apis:{apiName}:Port"], out var port) && port > 0 ? port : null;

    /// <summary>One definition per name: registering the same one twice is harmless, two different ones a mistake.</summary>
    private static IReadOnlyList<ApiDefinition> Distinct(IEnumerable<ApiDefinition> definitions)
    {
        var distinct = definitions.Distinct().ToList();
        if (distinct.GroupBy(d => d.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } clash)
        {
            throw new InvalidOperationException($"Two different APIs are registered as '{clash.Key}'.");
        }
        return distinct;
    }

    public ApiMount? ByPort(int localPort) =>
        localPort == 0 ? null : _mounts.FirstOrDefault(m => m.Port == localPort);

    public ApiMount? ByPath(PathString path) =>
        _mounts.FirstOrDefault(m => path.StartsWithSegments(m.BasePath, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The API that owns the current request.</summary>
public sealed class ApiContext(ApiMount mount, bool onOwnPort)
{
    public ApiMount Mount { get; } = mount;

    public Dialect Dialect => Mount.Dialect;

    /// <summary>Every fact of the API, as its module declared it.</summary>
    public ApiDefinition Definition => Mount.Definition;

    /// <summary>True when the request came in on the API's own port (paths at the root).</summary>
    public bool OnOwnPort { get; } = onOwnPort;

    /// <summary>The external URL of a path within this API, as the client sees it.</summary>
    public string ExternalUrl(HttpRequest request, string pathWithinApi, string? scheme = null)
    {
        var prefix = OnOwnPort ? "" : Mount.BasePath.Value;
        return $"{scheme ?? request.Scheme}://{request.Host}{prefix}{pathWithinApi}";
    }
}

public static class ApiContextExtensions
{
    /// <summary>The owning API's context, or null for platform paths.</summary>
    public static ApiContext? Api(this HttpContext context) => context.Features.Get<ApiContext>();

    /// <summary>The dialect that renders this request's answers.</summary>
    public static Dialect Dialect(this HttpContext context) =>
        context.Features.Get<ApiContext>()?.Dialect
        ?? (context.RequestServices.GetService(typeof(ApiRegistry)) as ApiRegistry)?.PlatformDialect
        ?? new PlatformDialect();
}
