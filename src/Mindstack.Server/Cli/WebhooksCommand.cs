using Mindstack.Platform.Accounts;
using Mindstack.Platform.Webhooks;

namespace Mindstack.Server.Cli;

/// <summary>
/// <c>webhooks create|list|delete</c>: an account's webhooks on one API, for APIs whose document
/// gives users no endpoint for them (Mindra: every execution's events, not only those of the
/// executions that carried a <c>webhook</c>). Deliveries are signed with the subscription's secret
/// as the API signs them.
/// </summary>
internal static class WebhooksCommand
{
    private static readonly string[] Apis = ["mindra", "mindpeeker"];

    private const string Usage =
        "usage: webhooks create --api mindra|mindpeeker --email E --url U [--events a,b] [--secret S] [--description D] | " +
        "webhooks list --api A --email E | webhooks delete --api A --email E --id W";

    public static async Task<int> RunAsync(CliContext context)
    {
        var verb = context.Verb;
        if (verb is not ("create" or "list" or "delete"))
        {
            throw new CliUsageException(Usage);
        }
        var api = context.Required("--api").ToLowerInvariant();
        if (!Apis.Contains(api, StringComparer.Ordinal))
        {
            throw new CliUsageException($"--api must be {string.Join(" or ", Apis)}");
        }
        var email = context.Required("--email");
        var account = await context.Services.GetRequiredService<IAccountService>().FindByEmailAsync(email)
            ?? throw new CliUsageException($"no account with email {email}");
        var webhooks = context.Services.GetRequiredService<IWebhooks>();
        switch (verb)
        {
            case "create":
                {
                    var events = context.Option("--events")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } named
                        ? named
                        : ["*"];
                    var created = await AccessCommands.Run(() => webhooks.CreateAsync(
                        new NewWebhookSubscription(account.Id, api, context.Required("--url"), events)
                        {
                            Secret = context.Option("--secret"),
                            Description = context.Option("--description"),
                        }));
                    context.Output.WriteLine($"created webhook {created.Id} ({api}) for {account.Email}: {created.Url} events {string.Join(',', created.Events)}");
                    context.Output.WriteLine($"secret {created.Secret}");
                    context.Output.WriteLine(created.Id);
                    return 0;
                }
            case "list":
                foreach (var webhook in await webhooks.ListAsync(account.Id, api))
                {
                    context.Output.WriteLine($"{webhook.Id}\t{(webhook.Active ? "active" : "inactive")}\t{webhook.Url}\t{string.Join(',', webhook.Events)}" +
                        $"\t{(webhook.AggregateId is null ? "account" : "only " + webhook.AggregateId)}\t{webhook.LastTriggeredAt?.ToString("O") ?? "never"}");
                }
                return 0;
            default:
                {
                    var id = context.Required("--id");
                    if (!await webhooks.DeleteAsync(account.Id, api, id))
                    {
                        context.Output.WriteLine($"No webhook '{id}' of {account.Email} on {api}");
                        return 1;
                    }
                    context.Output.WriteLine($"deleted webhook {id}");
                    return 0;
                }
        }
    }
}
