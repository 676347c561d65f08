using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mindstack.Testing;

/// <summary>
/// A host of the platform in-process (the one <typeparamref name="TEntryPoint"/>'s <c>Main</c>
/// composes) on a fresh database of the matrix's provider. The whole server
/// (<c>MindstackFactory</c>) and the platform with sample modules (the platform tests'
/// <c>PlatformFactory</c>) are both this. One per test class (<c>IClassFixture</c>); tests must not
/// depend on each other's data.
/// </summary>
/// <typeparam name="TEntryPoint">A type of the assembly whose entry point composes the host.</typeparam>
/// <typeparam name="TSelf">The concrete factory, so the <c>With…</c> calls chain on it.</typeparam>
public abstract class HostFactory<TEntryPoint, TSelf> : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
    where TSelf : HostFactory<TEntryPoint, TSelf>
{
    private readonly TestDatabase _database;
    private readonly bool _ownsDatabase;
    private readonly string _dataDirectory;
    private readonly List<Action<IServiceCollection>> _services = [];
    private readonly Dictionary<string, string?> _settings = new(StringComparer.Ordinal);

    /// <summary>
    /// A host on a database that other factories share (several nodes on one PostgreSQL) when
    /// <paramref name="sharedDatabase"/> is given; null means a fresh database of
    /// <paramref name="schema"/> owned by this factory. The caller owns a shared database and
    /// disposes it after every factory on it. On PostgreSQL each node gets a data folder of its
    /// own inside the database's; on SQLite the folder holds the database file, so it is shared.
    /// </summary>
    protected HostFactory(TestSchema schema, TestDatabase? sharedDatabase)
    {
        _ownsDatabase = sharedDatabase is null;
        _database = sharedDatabase ?? TestDatabase.Create(schema);
        _dataDirectory = _ownsDatabase || _database.PostgresConnectionString is null
            ? _database.DataDirectory
            : Path.Combine(_database.DataDirectory, "node-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dataDirectory);
        if (!_ownsDatabase)
        {
            // Nodes of one deployment share the master key of the key ring (each has a data folder of its own).
            _settings["Mindstack:DataProtection:MasterKey"] = _database.SharedMasterKey;
        }
    }

    public TestDatabase Database => _database;

    /// <summary>Adds a configuration value before the host starts.</summary>
    public TSelf WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return (TSelf)this;
    }

    /// <summary>Replaces or adds services before the host starts.</summary>
    public TSelf WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return (TSelf)this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("data", _dataDirectory);
        builder.UseSetting("Mindstack:Database", _database.PostgresConnectionString ?? "");
        // A password hash at the shipped cost (100,000 rounds) is ~50 ms of CPU; the suite makes
        // thousands. Tests check what hashing does, not its cost (a test may set it back).
        builder.UseSetting("Mindstack:Auth:PasswordIterations", "1000");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging =>
        {
            logging.ClearProviders();
            logging.SetMinimumLevel(LogLevel.Warning);
        });
        builder.ConfigureTestServices(services =>
        {
            foreach (var configure in _services)
            {
                configure(services);
            }
        });
    }

    /// <summary>Sends JSON text as it is (so tests can send malformed bodies).</summary>
    public async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, string? body = null,
        Action<HttpRequestHeaders>? headers = null)
    {
        using var client = CreateClient();
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        headers?.Invoke(request.Headers);
        return await client.SendAsync(request);
    }

    public async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsDatabase)
        {
            _database.Dispose();
        }
    }
}
