namespace Mindstack.Platform.Email;

/// <summary>One plain-text email to one recipient.</summary>
public sealed record EmailMessage(string To, string Subject, string TextBody);

/// <summary>
/// Sends email, now. Implementations: SMTP when <c>Mindstack:Smtp:Host</c> is set, otherwise an
/// outbox folder of <c>.eml</c> files. Request code sends through <see cref="IEmailQueue"/>
/// instead (in its transaction, with retries); the queue's job calls this.
/// </summary>
public interface IEmailSender
{
    /// <summary>Sends (or, for the outbox, writes) the message; returns its <c>Message-ID</c>.</summary>
    Task<string> SendAsync(EmailMessage message, CancellationToken cancellationToken = default);
}
