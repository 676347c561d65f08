using MailKit.Net.Smtp;
using MailKit.Security;

namespace Mindstack.Platform.Email;

/// <summary>
/// Sends through the configured SMTP server with MailKit: implicit TLS on port 465, STARTTLS
/// (required) elsewhere when <c>UseTls</c>, plain only when it is off; authenticates with the
/// strongest mechanism both sides know when a username is set.
/// </summary>
internal sealed class SmtpEmailSender(EmailSettings settings, TimeProvider clock) : IEmailSender
{
    public async Task<string> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        var mail = MimeText.Build(settings, message, clock.GetUtcNow());
        using var client = new SmtpClient { Timeout = (int)TimeSpan.FromMinutes(1).TotalMilliseconds };
        await client.ConnectAsync(settings.Host!, settings.Port, Security(settings), cancellationToken);
        if (settings.Username is not null)
        {
            await client.AuthenticateAsync(settings.Username, settings.Password ?? "", cancellationToken);
        }
        await client.SendAsync(mail, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
        return MimeText.MessageIdHeader(mail);
    }

    internal static SecureSocketOptions Security(EmailSettings settings) =>
        !settings.UseTls ? SecureSocketOptions.None
        : settings.Port == 465 ? SecureSocketOptions.SslOnConnect
        : SecureSocketOptions.StartTls;
}
