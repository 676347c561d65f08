using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Mindstack.Platform.Http;

/// <summary>One API served by this host: its base path on the main port, and its own port if configured.</summary>
public sealed record ApiMount(string Name, PathString BasePath, Dialect Dialect, int? Port);

/// <summary>Which API owns a request, by the port it arrived on or by its path prefix.</summary>
public sealed class ApiRegistry(IConfiguration configuration)
{
    private readonly List<ApiMount> _mounts = [];

    public IReadOnlyList<ApiMount> Mounts => _mounts;

    /// <summary>A fallback dialect for paths that belong to no API (<c>/health</c>, <c>/metrics</c>…).</summary>
    public Dialect PlatformDialect { get; } = new PlatformDialect();

    internal ApiMount Add(PathString basePath, Dialect dialect)
    {
        var port = PortFor(configuration, dialect.Name);
        var mount = new ApiMount(dialect.Name, basePath, dialect, port);
        _mounts.RemoveAll(m => m.Name == mount.Name);
        _mounts.Add(mount);
        // Longest prefix first, so /a/b wins over /a.
        _mounts.Sort((a, b) => b.BasePath.Value!.Length.CompareTo(a.BasePath.Value!.Length));
        return mount;
    }

    /// <summary><c>Mindstack:Apis:&lt;Name&gt;:Port</c>, when set.</summary>
    public static int? PortFor(IConfiguration configuration, string apiName) =>
        int.TryParse(configuration[$"Mindstack:Apis:{apiName}:Port"], out var port) && port > 0 ? port : null;

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
