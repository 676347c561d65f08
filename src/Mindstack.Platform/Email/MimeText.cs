using System.Text;
using MimeKit;
using MimeKit.Text;

namespace Mindstack.Platform.Email;

/// <summary>
/// The one MIME message both senders send (MimeKit writes it): RFC 2047 words for non-ASCII
/// display names and subjects (the address stays outside them), and a body in 7bit or 8bit while
/// its lines are within RFC 5322's 998 octets, quoted-printable past that.
/// </summary>
internal static class MimeText
{
    /// <summary>RFC 5322's limit on a line, CRLF excluded.</summary>
    public const int MaxLineLength = 998;

    public static MimeMessage Build(EmailSettings settings, EmailMessage message, DateTimeOffset now)
    {
        var mail = new MimeMessage
        {
            Date = now,
            Subject = message.Subject.Replace("\r", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal),
        };
        var body = new TextPart(TextFormat.Plain);
        // CRLF line ends in the text itself: a quoted-printable body keeps its line breaks as written.
        var text = message.TextBody.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
        body.SetText(Encoding.UTF8, text.EndsWith('\n') ? text : text + "\r\n");
        mail.Body = body;
        // Named as RFC 5322 writes it (MimeKit's own property would write "Message-Id").
        mail.Headers.RemoveAll(HeaderId.MessageId);
        mail.Headers.Add("Message-ID", $"<{Guid.NewGuid():N}@{Domain(settings.From)}>");
        mail.From.Add(MailboxAddress.Parse(settings.From));
        mail.To.Add(MailboxAddress.Parse(message.To));
        mail.Prepare(EncodingConstraint.EightBit, MaxLineLength);
        return mail;
    }

    /// <summary>How every message is written: CRLF line ends whatever the platform (the wire format).</summary>
    public static FormatOptions Format { get; } = WireFormat();

    /// <summary>The <c>Message-ID</c> header's value, with its angle brackets.</summary>
    public static string MessageIdHeader(MimeMessage mail) => "<" + mail.MessageId + ">";

    private static FormatOptions WireFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }

    private static string Domain(string from) =>
        MailboxAddress.TryParse(from, out var address) && address.Domain is { Length: > 0 } domain ? domain : "mindstack.local";
}
