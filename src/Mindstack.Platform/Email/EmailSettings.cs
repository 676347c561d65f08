using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace Mindstack.Platform.Email;

/// <summary>
/// <c>Mindstack:Smtp:Host/Port/Username/Password/From/UseTls</c>, bound and validated at start.
/// Without a host, email goes to the outbox folder <c>&lt;data&gt;/outbox</c>. <c>UseTls</c>
/// (default true) upgrades the connection with STARTTLS.
/// </summary>
public sealed class EmailSettings
{
    public const string Section = "Mindstack:Smtp";

    public const string DefaultFrom = "Mindstack <no-reply@mindstack.local>";

    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender of every email (outbox files too); empty means <see cref="DefaultFrom"/>.</summary>
    public string From { get; set; } = DefaultFrom;

    public bool UseTls { get; set; } = true;

    public bool SmtpConfigured => !string.IsNullOrWhiteSpace(Host);

    /// <summary>Empty values mean "unset", as they did before binding: an empty <c>From</c> is the default.</summary>
    internal void ApplyDefaults()
    {
        if (string.IsNullOrWhiteSpace(From))
        {
            From = DefaultFrom;
        }
        if (string.IsNullOrEmpty(Username))
        {
            Username = null;
        }
    }
}

/// <summary>Refuses a start with a bad <c>Mindstack:Smtp:*</c> value, naming the setting.</summary>
internal sealed class EmailSettingsValidator : IValidateOptions<EmailSettings>
{
    public ValidateOptionsResult Validate(string? name, EmailSettings settings)
    {
        var failures = new List<string>();
        const string at = EmailSettings.Section + ":";
        if (settings.Port is < 1 or > 65535)
        {
            failures.Add($"{at}Port must be from 1 to 65535");
        }
        if (!MailAddress.TryCreate(settings.From, out _))
        {
            failures.Add($"{at}From must be an email address (e.g. {EmailSettings.DefaultFrom})");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
