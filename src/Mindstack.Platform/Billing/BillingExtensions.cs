using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Billing;

public static class BillingExtensions
{
    /// <summary>The credit ledger and payments (<c>Mindstack:Billing:*</c>).</summary>
    public static IServiceCollection AddMindstackBilling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BillingSettings>().BindConfiguration(BillingSettings.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BillingSettings>, BillingSettingsValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<BillingSettings>>().Value);
        services.AddModelContributor<BillingModel>();
        services.TryAddScoped<ICreditLedger, CreditLedger>();
        services.TryAddScoped<IPayments, Payments>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPaymentProvider, SandboxPaymentProvider>());
        return services;
    }
}
