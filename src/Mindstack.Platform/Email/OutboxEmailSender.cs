using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Email;

/// <summary>
/// The default sender when no SMTP server is configured: every email becomes one RFC 5322 file
/// <c>&lt;data&gt;/outbox/&lt;utc time&gt;-&lt;id&gt;.eml</c>, exactly what SMTP would have sent
/// (<see cref="MimeText"/>), so a developer or a test can open it. Files appear whole: they are
/// written under a temporary name and renamed.
/// </summary>
internal sealed class OutboxEmailSender(DatabaseSettings database, EmailSettings settings, TimeProvider clock) : IEmailSender
{
    public string Folder { get; } = Path.Combine(database.DataDirectory, "outbox");

    public async Task<string> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Folder);
        var now = clock.GetUtcNow();
        var mail = MimeText.Build(settings, message, now);
        var name = $"{now.UtcDateTime:yyyyMMddHHmmssfff}-{Guid.NewGuid():N}";
        var temporary = Path.Combine(Folder, name + ".tmp");
        await using (var file = File.Create(temporary))
        {
            await mail.WriteToAsync(MimeText.Format, file, cancellationToken);
        }
        File.Move(temporary, Path.Combine(Folder, name + ".eml"));
        return MimeText.MessageIdHeader(mail);
    }
}
