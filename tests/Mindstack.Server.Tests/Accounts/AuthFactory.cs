using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Accounts;

/// <summary>
/// The server with the <see cref="AuthRoutes"/> test group and a clock the test moves. The
/// in-process host has no remote address, so <c>X-Test-Client-Address</c> stands in for one
/// (this test host only; the server itself trusts no such header).
/// </summary>
public class AuthFactory : MindstackFactory
{
    public const string ClientAddressHeader = "X-Test-Client-Address";

    public ShiftingClock Clock { get; } = new();

    public AuthFactory()
        : this(null)
    {
    }

    /// <summary>A node on a database other nodes share (null: a fresh one of its own).</summary>
    protected AuthFactory(TestDatabase? sharedDatabase)
        : base(sharedDatabase) => WithServices(s =>
    {
        s.AddSingleton<IEndpointContributor, AuthRoutes>();
        s.AddSingleton<TimeProvider>(Clock);
        s.AddTransient<IStartupFilter, TestClientAddressStartupFilter>();
    });

    private sealed class TestClientAddressStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[ClientAddressHeader].ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    public string Outbox => Path.Combine(Database.DataDirectory, "outbox");

    public static string Unique(string prefix = "u") => prefix + Guid.NewGuid().ToString("N")[..10];

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? bearer = null,
        Action<HttpRequestHeaders>? headers = null)
    {
        using var client = CreateClient();
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        headers?.Invoke(request.Headers);
        return await client.SendAsync(request);
    }

    public async Task<JsonElement> SendOkAsync(HttpMethod method, string path, object? body = null, string? bearer = null,
        Action<HttpRequestHeaders>? headers = null)
    {
        using var response = await SendAsync(method, path, body, bearer, headers);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path} → {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Registers through the API's test route; returns the token answer.</summary>
    public Task<JsonElement> RegisterAsync(AuthRoutes.Api api, string email, string password, string? username = null) =>
        SendOkAsync(HttpMethod.Post, $"{api.BasePath}/__auth/register", new { email, password, username });

    public Task<JsonElement> LoginAsync(AuthRoutes.Api api, string login, string password, string? code = null) =>
        SendOkAsync(HttpMethod.Post, $"{api.BasePath}/__auth/login", new { login, password, code });

    /// <summary>A new MindSwarm-valid account: (email, username, password, token answer).</summary>
    public async Task<(string Email, string Username, string Password, JsonElement Tokens)> NewUserAsync(AuthRoutes.Api api)
    {
        var username = Unique("u");
        var email = username + "@example.com";
        const string password = "SecurePass123!";
        return (email, username, password, await RegisterAsync(api, email, password, username));
    }

    public async Task<T> WithDbAsync<T>(Func<MindstackDbContext, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<MindstackDbContext>());
    }

    public Task<int> ExecuteSqlAsync(string sql) => WithDbAsync(db => db.Database.ExecuteSqlRawAsync(sql));

    /// <summary>
    /// The newest outbox email to an address, once at least <paramref name="count"/> have arrived
    /// (emails are sent by a job after the answer, so this polls with a generous deadline).
    /// </summary>
    public async Task<string> ReadEmailToAsync(string address, int count = 1)
    {
        var matches = await Eventually.UntilAsync(() =>
            {
                var files = Directory.Exists(Outbox) ? Directory.GetFiles(Outbox, "*.eml") : [];
                return Task.FromResult(files
                    .Select(f => (File: f, Text: File.ReadAllText(f)))
                    .Where(f => f.Text.Contains($"To: {address}\r\n", StringComparison.OrdinalIgnoreCase))
                    .OrderByDescending(f => Path.GetFileName(f.File), StringComparer.Ordinal)
                    .ToList());
            },
            found => found.Count >= count, $"{count} emails to {address} in {Outbox}");
        return matches[0].Text;
    }

    public int CountEmailsTo(string address) =>
        Directory.Exists(Outbox)
            ? Directory.GetFiles(Outbox, "*.eml").Count(f => File.ReadAllText(f).Contains($"To: {address}\r\n", StringComparison.OrdinalIgnoreCase))
            : 0;

    /// <summary>The <c>token=</c> value of the link in an email.</summary>
    public static string TokenFromEmail(string email)
    {
        var match = Regex.Match(email, @"[?&]token=([A-Za-z0-9_\-]+)");
        Assert.True(match.Success, "no token link in the email:\n" + email);
        return match.Groups[1].Value;
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
