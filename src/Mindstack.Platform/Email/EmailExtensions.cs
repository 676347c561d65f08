using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mindstack.Platform.Email;

public static class EmailExtensions
{
    /// <summary>The email sender: SMTP when <c>Mindstack:Smtp:Host</c> is set, else the outbox folder.</summary>
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
        return services;
    }
}
