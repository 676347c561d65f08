namespace Mindstack.Platform.Email;

/// <summary>One plain-text email to one recipient.</summary>
public sealed record EmailMessage(string To, string Subject, string TextBody);

/// <summary>
/// Sends email. The platform sends through exactly this call, so a later step can move sending
/// onto the job queue without touching the callers. Implementations: SMTP when
/// <c>Mindstack:Smtp:Host</c> is set, otherwise an outbox folder of <c>.eml</c> files.
/// </summary>
public interface IEmailSender
{
    /// <summary>Sends (or, for the outbox, writes) the message; returns its <c>Message-ID</c>.</summary>
    Task<string> SendAsync(EmailMessage message, CancellationToken cancellationToken = default);
}
