using System.Net;
using System.Net.Mail;
using System.Text;

namespace Mindstack.Platform.Email;

/// <summary>Sends through the configured SMTP server (STARTTLS when <c>UseTls</c>).</summary>
internal sealed class SmtpEmailSender(EmailSettings settings, TimeProvider clock) : IEmailSender
{
    public async Task<string> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        var messageId = MimeText.NewMessageId(settings.From);
        using var mail = new MailMessage(new MailAddress(settings.From), new MailAddress(message.To))
        {
            Subject = message.Subject,
            SubjectEncoding = Encoding.UTF8,
            Body = message.TextBody,
            BodyEncoding = Encoding.UTF8,
            IsBodyHtml = false,
        };
        mail.Headers["Message-ID"] = messageId;
        mail.Headers["Date"] = MimeText.Date(clock.GetUtcNow());
        using var client = new SmtpClient(settings.Host!, settings.Port)
        {
            EnableSsl = settings.UseTls,
            DeliveryMethod = SmtpDeliveryMethod.Network,
        };
        if (settings.Username is not null)
        {
            client.Credentials = new NetworkCredential(settings.Username, settings.Password);
        }
        await client.SendMailAsync(mail, cancellationToken);
        return messageId;
    }
}
