using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Mindstack.Platform.Storage;

/// <summary>
/// Secrets at rest: ASP.NET Core Data Protection with its key ring in the database
/// (<c>dataprotection_keys</c>), so every node shares it, and every key of the ring encrypted with
/// a master key (<see cref="MasterKey"/>) that never enters the database. Any area or module
/// injects the standard <see cref="IDataProtectionProvider"/>.
/// </summary>
public static class DataProtectionAtRest
{
    /// <summary>The configuration key of the master key (base64 of 32 bytes).</summary>
    public const string MasterKeySetting = "Mindstack:DataProtection:MasterKey";

    /// <summary>The master key's file in the data folder when none is configured (created 0600 on first start).</summary>
    public const string MasterKeyFile = "data-protection.key";

    internal static IServiceCollection AddMindstackDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        // A malformed configured master key stops the server at start, not at the first secret.
        _ = MasterKey.Configured(configuration);
        services.TryAddSingleton(sp => MasterKey.Load(configuration, sp.GetRequiredService<DatabaseSettings>()));
        services.AddModelContributor<DataProtectionModel>();
        services.AddDataProtection()
            .SetApplicationName("Mindstack")
            .PersistKeysToDbContext<MindstackDbContext>();
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
            options.XmlEncryptor = new MasterKeyXmlEncryptor(sp.GetRequiredService<MasterKey>())));
        services.TryAddScoped<KeyRingCheck>();
        return services;
    }

    /// <summary>
    /// Before serving: checks that the master key opens the stored key ring (a wrong one stops the
    /// start with a message naming <see cref="MasterKeySetting"/>, before anything is written with
    /// it), makes the first key once for the whole cluster, then runs every
    /// <see cref="IStoredSecretsUpgrade"/> (secrets stored before they were encrypted get encrypted).
    /// </summary>
    public static async Task PrepareSecretsAtRestAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<KeyRingCheck>().RunAsync(cancellationToken);
        foreach (var upgrade in scope.ServiceProvider.GetServices<IStoredSecretsUpgrade>())
        {
            await upgrade.UpgradeAsync(cancellationToken);
        }
    }
}

/// <summary>Rewrites secrets an older version stored in plain text, encrypted; runs at start, after the key ring check.</summary>
public interface IStoredSecretsUpgrade
{
    Task UpgradeAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The 32-byte key that encrypts the Data Protection key ring: <c>Mindstack:DataProtection:MasterKey</c>
/// (base64) when configured — every node of a cluster must have the same — else the file
/// <c>data-protection.key</c> in the data folder, made with mode 0600 on first start.
/// </summary>
internal sealed class MasterKey
{
    private MasterKey(byte[] bytes, string source)
    {
        Bytes = bytes;
        Source = source;
        // Names the key in each encrypted element without revealing it: a wrong key is told apart from a corrupt one.
        Fingerprint = Convert.ToHexStringLower(HMACSHA256.HashData(bytes, "mindstack-master-key-id"u8))[..16];
    }

    public byte[] Bytes { get; }

    public string Fingerprint { get; }

    /// <summary>Where it came from, for messages: the setting or the file's path.</summary>
    public string Source { get; }

    internal static byte[]? Configured(IConfiguration configuration)
    {
        var configured = configuration[DataProtectionAtRest.MasterKeySetting];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return null;
        }
        return Decode(configured) ?? throw new InvalidOperationException(
            $"{DataProtectionAtRest.MasterKeySetting} must be base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`).");
    }

    public static MasterKey Load(IConfiguration configuration, DatabaseSettings database)
    {
        if (Configured(configuration) is { } configured)
        {
            return new MasterKey(configured, DataProtectionAtRest.MasterKeySetting);
        }
        var path = Path.Combine(database.DataDirectory, DataProtectionAtRest.MasterKeyFile);
        return new MasterKey(ReadOrCreate(path), path);
    }

    private static byte[] ReadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var fresh = RandomNumberGenerator.GetBytes(32);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            try
            {
                using (var stream = new FileStream(path, options))
                using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
                {
                    writer.Write(Convert.ToBase64String(fresh));
                }
                return fresh;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process on this data folder made it first: use that one.
            }
        }
        return Decode(File.ReadAllText(path).Trim()) ?? throw new InvalidOperationException(
            $"{path} must hold base64 of exactly 32 bytes; restore it, or set {DataProtectionAtRest.MasterKeySetting}.");
    }

    private static byte[]? Decode(string text)
    {
        try
        {
            var bytes = Convert.FromBase64String(text.Trim());
            return bytes.Length == 32 ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The message for a key ring this master key cannot open.</summary>
    public string WrongKeyMessage() =>
        $"The Data Protection key ring in the database was encrypted with another master key than the one from {Source}. "
        + $"Set {DataProtectionAtRest.MasterKeySetting} to the master key the other nodes use (base64 of 32 bytes), "
        + $"or restore the data folder's {DataProtectionAtRest.MasterKeyFile}; starting anyway would leave every stored secret unreadable.";
}

/// <summary>AES-256-GCM under the master key, for each key of the ring as Data Protection stores it.</summary>
internal sealed class MasterKeyXmlEncryptor(MasterKey masterKey) : IXmlEncryptor
{
    internal const string ElementName = "mindstackMasterKey";
    private static readonly byte[] Context = "Mindstack.DataProtection.KeyRing"u8.ToArray();

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        var ciphertext = new byte[plaintext.Length];
        using (var aes = new AesGcm(masterKey.Bytes, tag.Length))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag, Context);
        }
        CryptographicOperations.ZeroMemory(plaintext);
        var element = new XElement(ElementName,
            new XAttribute("fingerprint", masterKey.Fingerprint),
            new XComment(" Encrypted with the Mindstack master key (Mindstack:DataProtection:MasterKey or data-protection.key). "),
            Convert.ToBase64String([.. nonce, .. tag, .. ciphertext]));
        return new EncryptedXmlInfo(element, typeof(MasterKeyXmlDecryptor));
    }

    /// <summary>Opens one encrypted element; throws <see cref="CryptographicException"/> with the master-key message when it cannot.</summary>
    internal static XElement Decrypt(MasterKey masterKey, XElement encryptedElement)
    {
        if (!string.Equals((string?)encryptedElement.Attribute("fingerprint"), masterKey.Fingerprint, StringComparison.Ordinal))
        {
            throw new CryptographicException(masterKey.WrongKeyMessage());
        }
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(encryptedElement.Value.Trim());
        }
        catch (FormatException exception)
        {
            throw new CryptographicException("A Data Protection key's encrypted element is not base64.", exception);
        }
        var nonceSize = AesGcm.NonceByteSizes.MaxSize;
        var tagSize = AesGcm.TagByteSizes.MaxSize;
        if (blob.Length < nonceSize + tagSize)
        {
            throw new CryptographicException("A Data Protection key's encrypted element is truncated.");
        }
        var plaintext = new byte[blob.Length - nonceSize - tagSize];
        try
        {
            using var aes = new AesGcm(masterKey.Bytes, tagSize);
            aes.Decrypt(blob.AsSpan(0, nonceSize), blob.AsSpan(nonceSize + tagSize), blob.AsSpan(nonceSize, tagSize), plaintext, Context);
        }
        catch (AuthenticationTagMismatchException exception)
        {
            throw new CryptographicException(masterKey.WrongKeyMessage(), exception);
        }
        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}

/// <summary>Named in each stored key (Data Protection activates it with the service provider).</summary>
internal sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) =>
        MasterKeyXmlEncryptor.Decrypt(services.GetRequiredService<MasterKey>(), encryptedElement);
}

/// <summary>The start-time check of the key ring against the master key (see <see cref="DataProtectionAtRest.PrepareSecretsAtRestAsync"/>).</summary>
internal sealed class KeyRingCheck(MindstackDbContext db, MasterKey masterKey, IKeyManager keys, TimeProvider clock)
{
    private const long AdvisoryLockKey = 0x6D73_6470_6B65_7931; // "msdpkey1"

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        var locked = false;
        try
        {
            if (db.Provider == DatabaseProvider.Postgres)
            {
                // Two nodes starting together make one first key, not one each.
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
                locked = true;
            }
            var stored = await db.Set<DataProtectionKey>().AsNoTracking().Select(k => k.Xml).ToListAsync(cancellationToken);
            foreach (var xml in stored.Where(x => !string.IsNullOrEmpty(x)))
            {
                foreach (var encrypted in XElement.Parse(xml!).Descendants().Where(e => e.Name.LocalName == MasterKeyXmlEncryptor.ElementName))
                {
                    try
                    {
                        _ = MasterKeyXmlEncryptor.Decrypt(masterKey, encrypted);
                    }
                    catch (CryptographicException exception)
                    {
                        throw new InvalidOperationException(masterKey.WrongKeyMessage(), exception);
                    }
                }
            }
            var now = clock.GetUtcNow();
            if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now))
            {
                keys.CreateNewKey(now, now.AddDays(90));
            }
        }
        finally
        {
            if (locked)
            {
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
            }
            await db.Database.CloseConnectionAsync();
        }
    }
}

internal sealed class DataProtectionModel : IModelContributor
{
    public void Configure(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<DataProtectionKey>(e =>
        {
            e.ToTable("dataprotection_keys");
            e.HasKey(k => k.Id);
        });
}

internal sealed class DataProtectionKeysMigration : SchemaMigration
{
    public override string Id => "2026120600_storage_dataprotection_keys";

    public override void Up(MigrationBuilder migration, DatabaseProvider provider) =>
        migration.CreateTable(
            name: "dataprotection_keys",
            columns: t => new
            {
                id = t.Column<int>()
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                friendly_name = t.Column<string>(nullable: true),
                xml = t.Column<string>(nullable: true),
            },
            constraints: t => t.PrimaryKey("pk_dataprotection_keys", x => x.id));
}
