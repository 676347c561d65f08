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
}
