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
/// The whole server in-process on a fresh database of the matrix's provider, with intent methods
/// for the tests. One per test class (<c>IClassFixture</c>); tests must not depend on each other's data.
/// </summary>
public class MindstackFactory : WebApplicationFactory<Program>
{
    private readonly TestDatabase _database = TestDatabase.Create();
    private readonly List<Action<IServiceCollection>> _services = [];
    private readonly Dictionary<string, string?> _settings = new(StringComparer.Ordinal);

    public TestDatabase Database => _database;

    /// <summary>Adds a configuration value before the server starts.</summary>
    public MindstackFactory WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>Replaces or adds services before the server starts.</summary>
    public MindstackFactory WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("data", _database.DataDirectory);
        builder.UseSetting("Mindstack:Database", _database.PostgresConnectionString ?? "");
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
        if (disposing)
        {
            _database.Dispose();
        }
    }
}
