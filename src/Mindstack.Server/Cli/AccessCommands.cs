using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;

namespace Mindstack.Server.Cli;

/// <summary>Operator commands for accounts and API keys.</summary>
internal static class AccessCommands
{
    /// <summary>The rules operator-made accounts follow: the lenient defaults, not any one API's.</summary>
    private static readonly AuthPolicy OperatorPolicy = new() { Audience = "cli", DisplayName = "Mindstack" };

    /// <summary><c>accounts create --email E --password P [--username U] [--admin]</c>: prints the new account's id.</summary>
    public static async Task<int> AccountsAsync(CliContext context)
    {
        var verb = context.Verb;
        var accounts = context.Services.GetRequiredService<IAccountService>();
        switch (verb)
        {
            case "create":
                {
                    var account = await Run(() => accounts.CreateAsync(
                        new NewAccount(context.Required("--email"), context.Required("--password"), context.Option("--username"))
                        {
                            Role = context.Flag("--admin") ? AccountRoles.Admin : AccountRoles.User,
                            EmailVerified = true,
                        },
                        OperatorPolicy));
                    context.Output.WriteLine($"created account {account.Id} {account.Email} role={account.Role}");
                    context.Output.WriteLine(account.Id);
                    return 0;
                }
            case "set-role":
                {
                    var email = context.Required("--email");
                    var role = context.Required("--role");
                    var account = await accounts.FindByEmailAsync(email) ?? throw new CliUsageException($"no account with email {email}");
                    await Run(() => accounts.SetRoleAsync(account.Id, role));
                    context.Output.WriteLine($"{account.Id} {account.Email} role={role}");
                    return 0;
                }
            case "set-tier":
                {
                    var email = context.Required("--email");
                    var tier = context.Required("--tier");
                    var account = await accounts.FindByEmailAsync(email) ?? throw new CliUsageException($"no account with email {email}");
                    await Run(() => accounts.SetTierAsync(account.Id, tier));
                    context.Output.WriteLine($"{account.Id} {account.Email} tier={tier}");
                    return 0;
                }
            default:
                throw new CliUsageException("usage: accounts create --email E --password P [--username U] [--admin] | accounts set-role --email E --role user|moderator|admin | accounts set-tier --email E --tier T");
        }
    }

    /// <summary>
    /// <c>keys create --api A --email E --name N [--sandbox] [--permissions a,b]</c> for any
    /// registered API that takes keys (the key is the last line printed), and <c>keys revoke --id K</c>.
    /// </summary>
    public static async Task<int> KeysAsync(CliContext context)
    {
        var verb = context.Verb;
        var keys = context.Services.GetRequiredService<IApiKeyService>();
        var apis = context.Services.GetRequiredService<ApiRegistry>();
        var keyed = apis.Definitions.Where(d => d.KeyFormat is not null).Select(d => d.Name).ToList();
        switch (verb)
        {
            case "create":
                {
                    var api = context.Required("--api");
                    var format = apis.KeyFormat(api)
                        ?? throw new CliUsageException($"--api must be {OneOf(keyed)}");
                    var email = context.Required("--email");
                    var account = await context.Services.GetRequiredService<IAccountService>().FindByEmailAsync(email)
                        ?? throw new CliUsageException($"no account with email {email}");
                    var permissions = context.Option("--permissions")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var created = await Run(() => keys.CreateAsync(new NewApiKey(account.Id, format, context.Required("--name"))
                    {
                        Sandbox = context.Flag("--sandbox"),
                        Permissions = permissions,
                    }));
                    context.Output.WriteLine($"created key {created.Key.Id} ({created.Key.Api}{(created.Key.Sandbox ? ", sandbox" : "")}) " +
                        $"for {account.Email}, permissions: {(created.Key.Permissions.Length == 0 ? "(none)" : created.Key.Permissions)}");
                    context.Output.WriteLine("The key is shown only now; store it safely:");
                    context.Output.WriteLine(created.PlainKey);
                    return 0;
                }
            case "revoke":
                {
                    var id = context.Required("--id");
                    if (!await keys.RevokeAsync(id))
                    {
                        await context.Error.WriteLineAsync($"no active key with id {id}");
                        return 1;
                    }
                    context.Output.WriteLine($"revoked {id}");
                    return 0;
                }
            case "rotate-signing":
                {
                    var rotation = await Run(() => context.Services.GetRequiredService<ISigningKeyRing>().RotateAsync());
                    context.Output.WriteLine(rotation.KeptKeyIds.Count == 0
                        ? "no older key kept"
                        : $"still accepted until their tokens expire (at most {rotation.LongestTokenLifetime} after they were replaced): {string.Join(", ", rotation.KeptKeyIds)}");
                    if (rotation.DroppedKeyIds.Count > 0)
                    {
                        context.Output.WriteLine($"removed (replaced longer ago than that): {string.Join(", ", rotation.DroppedKeyIds)}");
                    }
                    context.Output.WriteLine("new access tokens are signed with the key below (their kid); running nodes switch within 30 s");
                    context.Output.WriteLine(rotation.CurrentKeyId);
                    return 0;
                }
            default:
                throw new CliUsageException($"usage: keys create --api {string.Join('|', keyed)} --email E --name N [--sandbox] [--permissions a,b] | keys revoke --id K | keys rotate-signing");
        }
    }

    /// <summary><c>a</c>, <c>a or b</c>, <c>a, b or c</c>.</summary>
    private static string OneOf(IReadOnlyList<string> names) =>
        names.Count < 2 ? names.FirstOrDefault() ?? "an API that takes keys" : $"{string.Join(", ", names.Take(names.Count - 1))} or {names[^1]}";

    /// <summary>A platform Problem is the operator's mistake: its message, exit code 2.</summary>
    internal static async Task<T> Run<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Problem problem)
        {
            var detail = problem.Errors is { Count: > 0 } errors ? ": " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")) : "";
            throw new CliUsageException(problem.Message + (problem.Errors is { Count: > 1 } ? detail : ""));
        }
    }
}
