using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Jobs;

namespace Mindstack.Platform.Email;

public static class EmailExtensions
{
    /// <summary>
    /// The email sender (SMTP when <c>Mindstack:Smtp:Host</c> is set, else the outbox folder) and
    /// the queue that sends through it from a job (<see cref="IEmailQueue"/>); <c>Mindstack:Smtp:*</c> is
    /// validated at start.
    /// </summary>
    public static IServiceCollection AddMindstackEmail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmailSettings>().BindConfiguration(EmailSettings.Section)
            .PostConfigure(settings => settings.ApplyDefaults()).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmailSettings>, EmailSettingsValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<EmailSettings>>().Value);
        services.TryAddSingleton<IEmailSender>(sp => sp.GetRequiredService<EmailSettings>().SmtpConfigured
            ? ActivatorUtilities.CreateInstance<SmtpEmailSender>(sp)
            : ActivatorUtilities.CreateInstance<OutboxEmailSender>(sp));
        services.TryAddScoped<IEmailQueue, EmailQueue>();
        services.AddJobHandler<SendEmailJob>(SendEmailJob.Name, o =>
        {
            o.MaxAttempts = 8;
            o.Backoff = JobBackoff.Exponential(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(15));
            o.Timeout = TimeSpan.FromMinutes(2);
        });
        return services;
    }
}
