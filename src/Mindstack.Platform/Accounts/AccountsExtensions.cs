using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Access;
using Mindstack.Platform.Audit;
using Mindstack.Platform.Email;
using Mindstack.Platform.Realtime;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Accounts;

public static class AccountsExtensions
{
    /// <summary>
    /// Identity and access for every API: accounts, sessions and tokens, 2FA, email flows (and
    /// the email sender), API keys, caller authentication, and the audit trail.
    /// </summary>
    public static IServiceCollection AddMindstackAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        // A bad configured signing key stops the server at start, not at the first sign-in.
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>());
        services.AddMindstackEmail(configuration);
        services.AddMindstackAudit();

        services.AddModelContributor<AccountsModel>();
        services.AddModelContributor<AccessModel>();
        services.AddOptions<PasswordHasherOptions>().Configure<IOptions<AuthOptions>>((hasher, auth) => hasher.IterationCount = auth.Value.PasswordIterations);
        services.TryAddSingleton<IPasswordHasher<Account>, PasswordHasher<Account>>();
        services.TryAddSingleton<AccountSecretProtector>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IStoredSecretsUpgrade, AccountSecretsUpgrade>());
        services.TryAddSingleton<SigningKeyProvider>();
        services.TryAddSingleton<ISigningKeyRing>(sp => sp.GetRequiredService<SigningKeyProvider>());
        services.TryAddSingleton<IAccessTokenService, AccessTokenService>();
        services.TryAddScoped<AccountService>();
        services.TryAddScoped<IAccountService>(sp => sp.GetRequiredService<AccountService>());
        services.TryAddScoped<IAccountErasure, AccountErasure>();
        services.TryAddScoped<LoginFailures>();
        services.TryAddScoped<TwoFactorService>();
        services.TryAddScoped<ITwoFactorService>(sp => sp.GetRequiredService<TwoFactorService>());
        services.TryAddScoped<SessionService>();
        services.TryAddScoped<ISessionService>(sp => sp.GetRequiredService<SessionService>());
        services.TryAddScoped<IAccountEmailService, AccountEmailService>();

        services.TryAddScoped<IApiKeyService, ApiKeyService>();
        services.TryAddScoped<ICallerAuthenticator, CallerAuthenticator>();
        services.AddOptions<CallerCacheOptions>().BindConfiguration(CallerCacheOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CallerCacheOptions>, CallerCacheOptionsValidator>());
        services.TryAddSingleton<CallerCache>();
        services.TryAddSingleton<ICallerChanges>(sp => sp.GetRequiredService<CallerCache>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInterceptor, CallerChangesInterceptor>());
        // Ahead of the realtime area's refusing default: sockets authenticate like requests.
        services.TryAddSingleton<IRealtimeAuthenticator, CallerRealtimeAuthenticator>();
        // Open sockets of a revoked session or key, or of a suspended or banned account, are closed on every node.
        services.AddHostedService<RealtimeCredentialGuard>();
        return services;
    }
}
