using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Mindstack.Platform.Email;

/// <summary>
/// <c>Mindstack:Smtp:Host/Port/Username/Password/From/UseTls</c>. Without a host, email goes to
/// the outbox folder <c>&lt;data&gt;/outbox</c>. <c>UseTls</c> (default true) upgrades the
/// connection with STARTTLS.
/// </summary>
public sealed record EmailSettings(string? Host, int Port, string? Username, string? Password, string From, bool UseTls)
{
    public const string DefaultFrom = "Mindstack <no-reply@mindstack.local>";

    public bool SmtpConfigured => !string.IsNullOrWhiteSpace(Host);

    public static EmailSettings FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection("Mindstack:Smtp");
        var port = int.TryParse(section["Port"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 587;
        var useTls = !bool.TryParse(section["UseTls"], out var tls) || tls;
        return new EmailSettings(
            section["Host"] is { Length: > 0 } host ? host : null,
            port,
            section["Username"] is { Length: > 0 } user ? user : null,
            section["Password"],
            section["From"] is { Length: > 0 } from ? from : DefaultFrom,
            useTls);
    }
}
