using System.Text;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Email;

/// <summary>
/// The default sender when no SMTP server is configured: every email becomes one RFC 5322 file
/// <c>&lt;data&gt;/outbox/&lt;utc time&gt;-&lt;id&gt;.eml</c> (Date, From, To, Subject, Message-ID,
/// MIME-Version, a UTF-8 text body), so a developer or a test can open it. Files appear whole:
/// they are written under a temporary name and renamed.
/// </summary>
internal sealed class OutboxEmailSender(DatabaseSettings database, EmailSettings settings, TimeProvider clock) : IEmailSender
{
    public string Folder { get; } = Path.Combine(database.DataDirectory, "outbox");

    public async Task<string> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Folder);
        var now = clock.GetUtcNow();
        var messageId = MimeText.NewMessageId(settings.From);
        var text = new StringBuilder()
            .Append("Date: ").Append(MimeText.Date(now)).Append("\r\n")
            .Append("From: ").Append(MimeText.HeaderValue(settings.From)).Append("\r\n")
            .Append("To: ").Append(MimeText.HeaderValue(message.To)).Append("\r\n")
            .Append("Subject: ").Append(MimeText.HeaderValue(message.Subject)).Append("\r\n")
            .Append("Message-ID: ").Append(messageId).Append("\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n")
            .Append("Content-Transfer-Encoding: 8bit\r\n")
            .Append("\r\n")
            .Append(MimeText.Crlf(message.TextBody));
        if (!message.TextBody.EndsWith('\n'))
        {
            text.Append("\r\n");
        }
        var name = $"{now.UtcDateTime:yyyyMMddHHmmssfff}-{Guid.NewGuid():N}";
        var temporary = Path.Combine(Folder, name + ".tmp");
        await File.WriteAllTextAsync(temporary, text.ToString(), new UTF8Encoding(false), cancellationToken);
        File.Move(temporary, Path.Combine(Folder, name + ".eml"));
        return messageId;
    }
}
