using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Accounts;

/// <summary>
/// The HS256 key that signs access tokens: <c>Mindstack:Auth:SigningKey</c> (<see cref="AuthOptions"/>)
/// when configured; otherwise generated once and stored in <c>accounts_secrets</c>, encrypted with
/// Data Protection (<see cref="AccountSecretProtector"/>), so every node on one database signs and
/// verifies with the same key. Never a constant.
/// </summary>
internal sealed class SigningKeyProvider(IOptions<AuthOptions> options, IServiceScopeFactory scopes, TimeProvider clock,
    AccountSecretProtector secrets)
{
    private const string SecretName = "jwt_signing_key";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _key;

    public async ValueTask<byte[]> GetAsync(CancellationToken cancellationToken)
    {
        if (_key is { } key)
        {
            return key;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _key ??= FromConfiguration() ?? await FromDatabaseAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private byte[]? FromConfiguration() => options.Value.SigningKeyBytes();

    private async Task<byte[]> FromDatabaseAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var stored = await db.Set<AccountsSecret>().AsNoTracking().FirstOrDefaultAsync(s => s.Name == SecretName, cancellationToken);
        if (stored is not null)
        {
            return Convert.FromBase64String(secrets.RevealSigningKey(stored.Value));
        }
        var fresh = RandomNumberGenerator.GetBytes(64);
        db.Add(new AccountsSecret
        {
            Name = SecretName,
            Value = secrets.ProtectSigningKey(Convert.ToBase64String(fresh)),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return fresh;
        }
        catch (DbUpdateException exception) when (DbErrors.IsUniqueViolation(exception))
        {
            // Another node generated it first: everyone uses that one.
            await using var again = scopes.CreateAsyncScope();
            var other = again.ServiceProvider.GetRequiredService<MindstackDbContext>();
            var winner = await other.Set<AccountsSecret>().AsNoTracking().FirstAsync(s => s.Name == SecretName, cancellationToken);
            return Convert.FromBase64String(secrets.RevealSigningKey(winner.Value));
        }
    }
}
