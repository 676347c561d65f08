namespace Mindstack.Platform.Access;

/// <summary>
/// How an API's keys look: a prefix (another for sandbox keys) and a number of random bytes
/// written as lowercase hex (<c>new("example", "ex_", 20)</c> makes <c>ex_</c> + 40 hex digits),
/// and the permissions they may hold. Declared by the API's module in its <see cref="Http.ApiDefinition"/>.
/// </summary>
public sealed record ApiKeyFormat(string Api, string Prefix, int RandomBytes, string? SandboxPrefix = null)
{
    /// <summary>The permissions a key of this API may hold; null means any.</summary>
    public IReadOnlyList<string>? AllowedPermissions { get; init; }

    /// <summary>What a key gets when its creator names no permissions: unless set, every allowed one.</summary>
    public IReadOnlyList<string> DefaultPermissions
    {
        get => _defaultPermissions ?? AllowedPermissions ?? [];
        init => _defaultPermissions = value;
    }

    private readonly IReadOnlyList<string>? _defaultPermissions;

    public string PrefixFor(bool sandbox) =>
        sandbox ? SandboxPrefix ?? throw new InvalidOperationException($"{Api} keys have no sandbox") : Prefix;

    /// <summary>Every prefix a key of this format may start with, longest first.</summary>
    public IReadOnlyList<string> AllPrefixes =>
        SandboxPrefix is null ? [Prefix] : new[] { Prefix, SandboxPrefix }.OrderByDescending(p => p.Length).ToArray();

    /// <summary>Whether the text has this format's shape (prefix + the right number of hex digits).</summary>
    public bool Matches(string key, out bool sandbox)
    {
        foreach (var prefix in AllPrefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = key.AsSpan(prefix.Length);
                sandbox = prefix == SandboxPrefix;
                return rest.Length == RandomBytes * 2 && !rest.ContainsAnyExcept("0123456789abcdef");
            }
        }
        sandbox = false;
        return false;
    }
}

/// <summary>
/// Which paths an API's keys may not touch, and whether read/write permissions are enforced by
/// method (GET/HEAD need <c>read</c>; other methods need <c>write</c>). Paths are as the API's
/// document writes them (under its mount), with <c>/*</c> meaning "this path and below".
/// </summary>
public sealed record ApiKeyPathRules(IReadOnlyList<string> DeniedPaths, bool EnforceReadWrite)
{
    public static ApiKeyPathRules None { get; } = new([], false);

    public bool IsDenied(string pathWithinApi)
    {
        var path = pathWithinApi.Length > 1 ? pathWithinApi.TrimEnd('/') : pathWithinApi;
        foreach (var rule in DeniedPaths)
        {
            if (rule.EndsWith("/*", StringComparison.Ordinal))
            {
                var root = rule[..^2];
                if (path.Equals(root, StringComparison.OrdinalIgnoreCase)
                    || path.StartsWith(root + "/", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            else if (path.Equals(rule, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    public static bool IsReadMethod(string method) => HttpMethodsRead.Contains(method);

    private static readonly HashSet<string> HttpMethodsRead = new(StringComparer.OrdinalIgnoreCase) { "GET", "HEAD", "OPTIONS" };
}
