using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Mindra;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Tests.Accounts;

namespace Mindstack.Platform.Tests.Access;

/// <summary>
/// The operator commands, run in-process against the data folder (and database) of a published
/// server that is running at the same time; one test runs the published binary's CLI itself.
/// </summary>
[Trait(PublishedServer.Trait, PublishedServer.Value)]
public sealed class CliTests
{
    private static Task<CliResult> RunAsync(TestDatabase database, params string[] args) => Cli.RunAsync(database, args);

    /// <summary>The one run of the published binary's CLI: what the process does with its arguments.</summary>
    private static async Task<CliResult> RunPublishedAsync(TestDatabase database, params string[] args)
    {
        var info = await ServerProcess.PublishedStartInfoAsync(args);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.WorkingDirectory = database.DataDirectory;
        info.Environment["Mindstack__Database"] = database.PostgresConnectionString ?? "";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task Command_AfterTheDataOption_RunsTheCommandNotAServer()
    {
        using var database = MindstackFactory.CreateDatabase();
        // Options before the command word: still the command (it used to start a server on :8080 instead).
        var migrated = await RunPublishedAsync(database, "--data", database.DataDirectory, "migrate");
        Assert.True(migrated.ExitCode == 0, migrated.Output + migrated.Error);
        Assert.Contains("schema is current", migrated.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_WhileServerRuns_CreateAccountSetRoleAndTierCreateAndRevokeKey()
    {
        using var database = MindstackFactory.CreateDatabase();
        await using var server = await ServerProcess.StartAsync(database.DataDirectory, databaseConnectionString: database.PostgresConnectionString);

        var created = await RunAsync(database, "accounts", "create", "--email", "Ops@Example.com", "--password", "Operator123", "--username", "ops", "--admin");
        Assert.True(created.ExitCode == 0, created.Output + created.Error);
        Assert.Matches(new Regex("^user_[0-9A-Z]{26}$"), created.LastLine);

        var role = await RunAsync(database, "accounts", "set-role", "--email", "ops@example.com", "--role", "moderator");
        Assert.True(role.ExitCode == 0, role.Output + role.Error);
        var tier = await RunAsync(database, "accounts", "set-tier", "--email", "ops@example.com", "--tier", "enterprise");
        Assert.True(tier.ExitCode == 0, tier.Output + tier.Error);

        var key = await RunAsync(database, "keys", "create", "--api", "mindra", "--email", "ops@example.com", "--name", "ci",
            "--sandbox", "--permissions", "orchestrate,agents:read");
        Assert.True(key.ExitCode == 0, key.Output + key.Error);
        Assert.Matches(new Regex("^mk_test_[0-9a-f]{32}$"), key.LastLine);
        var keyId = Regex.Match(key.Output, @"key_[0-9A-Z]{26}").Value;

        var swarmKey = await RunAsync(database, "keys", "create", "--api", "mindswarm", "--email", "ops@example.com", "--name", "bot");
        Assert.Matches(new Regex("^msk_[0-9a-f]{48}$"), swarmKey.LastLine);

        await using (var services = PlatformServices.On(database))
        {
            await using var scope = services.CreateAsyncScope();
            var authenticator = scope.ServiceProvider.GetRequiredService<ICallerAuthenticator>();
            var caller = await authenticator.AuthenticateTokenAsync(MindraApi.Definition.Credentials, key.LastLine);
            Assert.Equal(created.LastLine, caller.AccountId);
            Assert.Equal("moderator", caller.Role);
            Assert.Equal("enterprise", caller.Tier);
            Assert.True(caller.Sandbox);
            Assert.Equal(["orchestrate", "agents:read"], caller.Permissions);
        }

        var revoked = await RunAsync(database, "keys", "revoke", "--id", keyId);
        Assert.True(revoked.ExitCode == 0, revoked.Output + revoked.Error);
        await using (var services = PlatformServices.On(database))
        {
            await using var scope = services.CreateAsyncScope();
            var authenticator = scope.ServiceProvider.GetRequiredService<ICallerAuthenticator>();
            var refused = await Assert.ThrowsAsync<Problem>(() => authenticator.AuthenticateTokenAsync(MindraApi.Definition.Credentials, key.LastLine));
            Assert.Equal(ProblemKind.Unauthorized, refused.Kind);
        }

        // Mistakes are the operator's: a message and exit code 2, nothing half-done.
        var duplicate = await RunAsync(database, "accounts", "create", "--email", "OPS@example.com", "--password", "Operator123");
        Assert.Equal(2, duplicate.ExitCode);
        Assert.Contains("Email already registered", duplicate.Error);
        var badApi = await RunAsync(database, "keys", "create", "--api", "mindmesh", "--email", "ops@example.com", "--name", "x");
        Assert.Equal(2, badApi.ExitCode);
        Assert.Equal(1, (await RunAsync(database, "keys", "revoke", "--id", "key_nope")).ExitCode);

        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        var health = await client.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        // The running server never saw a full key either.
        Assert.DoesNotContain(key.LastLine, server.Output, StringComparison.Ordinal);
    }
    [Fact]
    public async Task WebhooksCommand_CreateListDelete_AnAccountsWebhookOnOneApi()
    {
        using var database = MindstackFactory.CreateDatabase();
        var account = await RunAsync(database, "accounts", "create", "--email", "hooks@example.com", "--password", "Operator123");
        Assert.True(account.ExitCode == 0, account.Output + account.Error);

        var created = await RunAsync(database, "webhooks", "create", "--api", "mindra", "--email", "hooks@example.com",
            "--url", "https://hooks.example.com/mindra", "--events", "execution.completed,execution.failed", "--secret", "ops_webhook_secret");
        Assert.True(created.ExitCode == 0, created.Output + created.Error);
        Assert.Matches(new Regex("^webhook_[0-9A-Z]{26}$"), created.LastLine);
        Assert.Contains("secret ops_webhook_secret", created.Output, StringComparison.Ordinal);

        var list = await RunAsync(database, "webhooks", "list", "--api", "mindra", "--email", "hooks@example.com");
        Assert.True(list.ExitCode == 0, list.Output + list.Error);
        Assert.Contains($"{created.LastLine}\tactive\thttps://hooks.example.com/mindra\texecution.completed,execution.failed\taccount\tnever", list.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(created.LastLine, (await RunAsync(database, "webhooks", "list", "--api", "mindpeeker", "--email", "hooks@example.com")).Output);

        // Mistakes are the operator's: a message and exit code 2.
        var badUrl = await RunAsync(database, "webhooks", "create", "--api", "mindra", "--email", "hooks@example.com", "--url", "not a url");
        Assert.Equal(2, badUrl.ExitCode);
        Assert.False(string.IsNullOrWhiteSpace(badUrl.Error));
        Assert.Equal(2, (await RunAsync(database, "webhooks", "create", "--api", "mindmesh", "--email", "hooks@example.com", "--url", "https://x.example.com")).ExitCode);

        var deleted = await RunAsync(database, "webhooks", "delete", "--api", "mindra", "--email", "hooks@example.com", "--id", created.LastLine);
        Assert.True(deleted.ExitCode == 0, deleted.Output + deleted.Error);
        Assert.Equal(1, (await RunAsync(database, "webhooks", "delete", "--api", "mindra", "--email", "hooks@example.com", "--id", created.LastLine)).ExitCode);
    }
}
