using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Billing;

public static class BillingExtensions
{
    /// <summary>The credit ledger and payments (<c>Mindstack:Billing:*</c>).</summary>
    public static IServiceCollection AddMindstackBilling(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => BillingSettings.FromConfiguration(configuration));
        services.AddModelContributor<BillingModel>();
        services.TryAddScoped<ICreditLedger, CreditLedger>();
        services.TryAddScoped<IPayments, Payments>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPaymentProvider, SandboxPaymentProvider>());
        return services;
    }
}
