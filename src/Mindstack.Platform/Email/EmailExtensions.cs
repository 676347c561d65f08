using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.Platform.Jobs;

namespace Mindstack.Platform.Email;

public static class EmailExtensions
{
    /// <summary>
    /// The email sender (SMTP when <c>Mindstack:Smtp:Host</c> is set, else the outbox folder) and
    /// the queue that sends through it from a job (<see cref="IEmailQueue"/>).
    /// </summary>
    public static IServiceCollection AddMindstackEmail(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = EmailSettings.FromConfiguration(configuration);
        services.TryAddSingleton(settings);
        if (settings.SmtpConfigured)
        {
            services.TryAddSingleton<IEmailSender, SmtpEmailSender>();
        }
        else
        {
            services.TryAddSingleton<IEmailSender, OutboxEmailSender>();
        }
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
