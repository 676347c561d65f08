using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace Mindstack.Platform.Limits;

/// <summary>The default rate-limit key and idempotency scope: the client's network address.</summary>
public static class ClientAddress
{
    /// <summary>
    /// The remote address as text (an IPv4 address mapped into IPv6 is shown as IPv4), or
    /// <c>unknown</c> when the server has none (in-process test hosts). Behind a reverse proxy,
    /// the host's forwarded-headers handling decides what this is.
    /// </summary>
    public static string Of(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    /// <summary>
    /// The client's network for limits an attacker must not sidestep by changing address: an IPv4
    /// address as it is, an IPv6 address as its /64 (one subscriber usually holds a whole /64).
    /// </summary>
    public static string NetworkOf(HttpContext context)
    {
        var text = Of(context);
        if (!IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return text;
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
