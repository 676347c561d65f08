using System.Globalization;
using System.Text;

namespace Mindstack.Platform.Email;

/// <summary>The RFC 5322 pieces both senders share: dates, message ids, encoded headers.</summary>
internal static class MimeText
{
    /// <summary>An RFC 5322 date such as <c>Mon, 23 Nov 2026 10:30:00 +0000</c>.</summary>
    public static string Date(DateTimeOffset when) =>
        when.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    public static string NewMessageId(string from)
    {
        var at = from.LastIndexOf('@');
        var domain = at >= 0 ? from[(at + 1)..].TrimEnd('>', ' ') : "mindstack.local";
        return $"<{Guid.NewGuid():N}@{(domain.Length > 0 ? domain : "mindstack.local")}>";
    }

    /// <summary>A header value kept as ASCII: non-ASCII text becomes an RFC 2047 encoded word.</summary>
    public static string HeaderValue(string value)
    {
        var clean = value.Replace("\r", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        return clean.All(c => c < 128)
            ? clean
            : "=?utf-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(clean)) + "?=";
    }

    /// <summary>Body lines with CRLF endings, as the wire format wants.</summary>
    public static string Crlf(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
}
