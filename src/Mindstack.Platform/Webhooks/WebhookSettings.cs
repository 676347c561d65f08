using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Mindstack.Platform.Webhooks;

/// <summary>
/// <c>Mindstack:Webhooks:*</c>, bound and validated at start: <c>AllowPrivateTargets</c> (default
/// false: refuse loopback, private, link-local and other non-public targets), <c>AllowedTargets</c>
/// (exceptions the operator trusts: <c>host</c>, <c>host:port</c>, an address or a CIDR range,
/// comma-separated) and <c>Timeout</c> (default 10 s, per attempt, redirects included; the older
/// <c>TimeoutSeconds</c> is still read and wins).
/// </summary>
public sealed class WebhookSettings
{
    public const string Section = "Mindstack:Webhooks";

    public bool AllowPrivateTargets { get; set; }

    /// <summary>The exceptions as configured: one comma-, semicolon- or space-separated string.</summary>
    [ConfigurationKeyName("AllowedTargets")]
    public string? AllowedTargetsText { get; set; }

    public IReadOnlyList<string> AllowedTargets =>
        (AllowedTargetsText ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The older spelling of <see cref="Timeout"/>, in seconds.</summary>
    public double? TimeoutSeconds { get; set; }

    internal void ApplyNumericKeys()
    {
        if (TimeoutSeconds is { } seconds)
        {
            Timeout = TimeSpan.FromSeconds(seconds);
        }
    }
}

/// <summary>Refuses a start with a bad <c>Mindstack:Webhooks:*</c> value, naming the setting.</summary>
internal sealed class WebhookSettingsValidator : IValidateOptions<WebhookSettings>
{
    public ValidateOptionsResult Validate(string? name, WebhookSettings settings)
    {
        var failures = new List<string>();
        const string at = WebhookSettings.Section + ":";
        if (settings.Timeout <= TimeSpan.Zero)
        {
            failures.Add(settings.TimeoutSeconds is null ? $"{at}Timeout must be more than zero" : $"{at}TimeoutSeconds must be more than 0");
        }
        foreach (var entry in settings.AllowedTargets)
        {
            if (entry.Contains('/', StringComparison.Ordinal) && !IPNetwork.TryParse(entry, out _))
            {
                failures.Add($"{at}AllowedTargets entry '{entry}' is not a CIDR range");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>A webhook target the SSRF guard refuses; retrying cannot help.</summary>
public sealed class WebhookTargetRefusedException(string message) : Exception(message);

/// <summary>
/// The SSRF guard. Webhook connections are opened here (<see cref="System.Net.Http.SocketsHttpHandler.ConnectCallback"/>),
/// so the check applies to the addresses actually connected to — after DNS, for every redirect hop —
/// and a refused target is never sent a packet. Refused: loopback, private (10/8, 172.16/12,
/// 192.168/16, fc00::/7), carrier-grade NAT (100.64/10), link-local (169.254/16 — cloud metadata —
/// and fe80::/10), unspecified, multicast, broadcast and reserved ranges, including IPv4 addresses
/// embedded in IPv6 (mapped, NAT64, 6to4).
/// </summary>
internal sealed class WebhookTargetGuard(WebhookSettings settings)
{
    private readonly List<Exemption> _exemptions = settings.AllowedTargets.Select(Exemption.Parse).ToList();

    public async ValueTask<Stream> ConnectAsync(System.Net.Http.SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var port = context.DnsEndPoint.Port;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var usable = addresses.Where(a => Refusal(host, port, a) is null).ToArray();
        if (usable.Length == 0)
        {
            var reasons = string.Join(", ", addresses.Select(a => $"{a} ({Refusal(host, port, a)})"));
            throw new WebhookTargetRefusedException(addresses.Length == 0
                ? $"target {host} has no address"
                : $"target {host} refused: {reasons}; set Mindstack:Webhooks:AllowPrivateTargets or AllowedTargets to permit it");
        }
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(usable, port, cancellationToken);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Why this target is refused, or null when it may be connected to.</summary>
    public string? Refusal(string host, int port, IPAddress address)
    {
        if (settings.AllowPrivateTargets || _exemptions.Any(e => e.Covers(host, port, address)))
        {
            return null;
        }
        return Classify(address);
    }

    /// <summary>Null for a public address; otherwise what kind of non-public address it is.</summary>
    public static string? Classify(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var b = address.GetAddressBytes();
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return b[0] switch
            {
                0 => "unspecified",
                10 => "private",
                127 => "loopback",
                100 when (b[1] & 0xC0) == 64 => "carrier-grade NAT",
                169 when b[1] == 254 => "link-local",
                172 when (b[1] & 0xF0) == 16 => "private",
                192 when b[1] == 168 => "private",
                192 when b[1] == 0 && b[2] == 0 => "reserved",
                198 when (b[1] & 0xFE) == 18 => "reserved",
                >= 224 and <= 239 => "multicast",
                >= 240 => "reserved",
                _ => null,
            };
        }
        if (address.Equals(IPAddress.IPv6Any))
        {
            return "unspecified";
        }
        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return "loopback";
        }
        if (b[0] == 0xFF)
        {
            return "multicast";
        }
        if ((b[0] & 0xFE) == 0xFC)
        {
            return "private";
        }
        if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)
        {
            return "link-local";
        }
        if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0)
        {
            return "private";
        }
        // IPv4 inside IPv6: NAT64 (64:ff9b::/96), IPv4-compatible (::/96) and 6to4 (2002::/16).
        if ((b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
            || b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            return Classify(new IPAddress(b.AsSpan(12, 4)));
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return Classify(new IPAddress(b.AsSpan(2, 4)));
        }
        return null;
    }

    /// <summary>One <c>AllowedTargets</c> entry.</summary>
    private sealed record Exemption(string? Host, int? Port, IPNetwork? Network)
    {
        public static Exemption Parse(string entry)
        {
            if (entry.Contains('/', StringComparison.Ordinal) && IPNetwork.TryParse(entry, out var network))
            {
                return new Exemption(null, null, network);
            }
            var hostPart = entry;
            int? port = null;
            var colon = entry.LastIndexOf(':');
            var closing = entry.LastIndexOf(']');
            if (colon > 0 && colon > closing && entry.IndexOf(':', StringComparison.Ordinal) == colon
                && int.TryParse(entry[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                hostPart = entry[..colon];
                port = parsed;
            }
            else if (closing > 0 && colon > closing
                && int.TryParse(entry[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var bracketed))
            {
                hostPart = entry[..colon];
                port = bracketed;
            }
            return new Exemption(hostPart.Trim('[', ']'), port, null);
        }

        public bool Covers(string host, int port, IPAddress address)
        {
            if (Network is { } network)
            {
                return network.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
            }
            if (Port is { } p && p != port)
            {
                return false;
            }
            return string.Equals(Host, host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(Host, out var exact) && exact.Equals(address));
        }
    }
}
